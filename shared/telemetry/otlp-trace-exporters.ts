// OTLP/HTTP span exporters for both wire protocols. The installed @opentelemetry/exporter-trace-otlp-http
// (0.223) sends JSON only; the protobuf exporter (exporter-trace-otlp-proto) is not installed, so we
// build it the way that package does: the same HTTP export delegate with otlp-transformer's protobuf
// serializer. Both packages come with exporter-trace-otlp-http (same version, in package-lock.json).
// The packages are loaded on first use: a process that does not trace never loads them (~70 ms saved).
import { createRequire } from 'node:module';
import type * as OtlpHttpExporterModule from '@opentelemetry/exporter-trace-otlp-http';
import type * as ExporterBaseModule from '@opentelemetry/otlp-exporter-base';
import type * as ExporterNodeHttpModule from '@opentelemetry/otlp-exporter-base/node-http';
import type * as TransformerModule from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OtlpProtocol } from './tracing-config.js';

const load = createRequire(import.meta.url);

/** Exporter self-observability component type (semconv otel.component.type), as exporter-trace-otlp-proto uses. */
const COMPONENT_TYPE = 'otlp_http_span_exporter';

/** OTLP/HTTP with protobuf bodies (Content-Type application/x-protobuf), the spec's default protocol. */
function protobufExporter(url: string): SpanExporter {
  const { OTLPExporterBase } = load('@opentelemetry/otlp-exporter-base') as typeof ExporterBaseModule;
  const { convertLegacyHttpOptions, createOtlpHttpExportDelegate } = load('@opentelemetry/otlp-exporter-base/node-http') as typeof ExporterNodeHttpModule;
  const { ProtobufTraceSerializer, TraceExporterMetricsHelper } = load('@opentelemetry/otlp-transformer') as typeof TransformerModule;
  // Headers, timeout, compression and TLS files still come from OTEL_EXPORTER_OTLP_[TRACES_]* as in the SDK.
  const options = convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' });
  return new OTLPExporterBase<ReadableSpan[]>(
    createOtlpHttpExportDelegate(options, ProtobufTraceSerializer, COMPONENT_TYPE, TraceExporterMetricsHelper, undefined),
  );
}

/** The OTLP span exporter for a protocol, posting to `url` (a full URL ending in /v1/traces). */
export function createOtlpTraceExporter(url: string, protocol: OtlpProtocol): SpanExporter {
  if (protocol === OtlpProtocol.HttpProtobuf) return protobufExporter(url);
  const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpExporterModule;
  return new OTLPTraceExporter({ url });
}

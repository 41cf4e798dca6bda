// OTLP/HTTP span exporters for both wire protocols, each the OpenTelemetry package for it. Headers,
// timeout, compression and TLS files come from OTEL_EXPORTER_OTLP_[TRACES_]* as in the SDK. The
// packages are loaded on first use: a process that does not trace never loads them (~70 ms saved).
import { createRequire } from 'node:module';
import type * as OtlpHttpExporterModule from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtlpProtoExporterModule from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import { OtlpProtocol } from './tracing-config.js';

const load = createRequire(import.meta.url);

/** The OTLP span exporter for a protocol, posting to `url` (a full URL ending in /v1/traces). */
export function createOtlpTraceExporter(url: string, protocol: OtlpProtocol): SpanExporter {
  if (protocol === OtlpProtocol.HttpProtobuf) {
    // Content-Type application/x-protobuf, the spec's default protocol.
    const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpProtoExporterModule;
    return new OTLPTraceExporter({ url });
  }
  const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpExporterModule;
  return new OTLPTraceExporter({ url });
}

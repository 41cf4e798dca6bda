// Process-wide tracing: one call at service startup. With nothing configured the SDK is neither loaded
// nor registered (no provider, no context manager, no propagator): every span call lands in the API's
// no-op tracer. The SDK packages are required on demand, so an untraced process does not load them.
import { createRequire } from 'node:module';
import { context, diag, DiagLogLevel, propagation, trace, type Attributes, type DiagLogger } from '@opentelemetry/api';
import type * as ResourcesModule from '@opentelemetry/resources';
import type * as SdkModule from '@opentelemetry/sdk-trace-node';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { Logger } from 'pino';
import { SemconvAttr } from './attributes.js';
import { createOtlpTraceExporter } from './otlp-trace-exporters.js';
import { SamplerName, TraceExporterKind, tracingConfigFromEnv, type SamplerConfig, type TracingConfig } from './tracing-config.js';

export interface TracingOptions {
  /** Resource attributes of this process, e.g. { 'service.instance.id': workerId }. OTEL_RESOURCE_ATTRIBUTES wins. */
  readonly resourceAttributes?: Attributes;
  /** Where OTEL_* are read from. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * An exporter of the caller's (tests: InMemorySpanExporter), fed by a SimpleSpanProcessor; it turns
   * tracing on even when the environment names no exporter.
   */
  readonly exporter?: SpanExporter;
  /** Receives the SDK's own warnings and errors (a collector that cannot be reached, ...). */
  readonly logger?: Logger;
}

export interface TracingHandle {
  /** false: nothing registered, spans are the API's no-ops. */
  readonly enabled: boolean;
  /** service.name on this process's spans (OTEL_SERVICE_NAME overrides the name given). */
  readonly serviceName: string;
  readonly config: TracingConfig;
  /** Exports the spans that ended so far. */
  forceFlush(): Promise<void>;
  /** Flushes, then unregisters everything; idempotent. Afterwards initTracing may be called again. */
  shutdown(): Promise<void>;
}

export class TracingAlreadyStartedError extends Error {
  override name = 'TracingAlreadyStartedError';
}

/** The tracer name our spans carry (instrumentation scope). */
export const TRACER_NAME = 'llm-atc';

let started: TracingHandle | undefined;

const load = createRequire(import.meta.url);

function samplerFor(sdk: typeof SdkModule, config: SamplerConfig): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  switch (config.name) {
    case SamplerName.AlwaysOn:
      return new AlwaysOnSampler();
    case SamplerName.AlwaysOff:
      return new AlwaysOffSampler();
    case SamplerName.TraceIdRatio:
      return new TraceIdRatioBasedSampler(config.ratio);
    case SamplerName.ParentBasedAlwaysOn:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case SamplerName.ParentBasedAlwaysOff:
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case SamplerName.ParentBasedTraceIdRatio:
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.ratio) });
  }
}

function processorsFor(sdk: typeof SdkModule, config: TracingConfig, extra: SpanExporter | undefined): SpanProcessor[] {
  const { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } = sdk;
  const processors: SpanProcessor[] = config.exporters.map((kind) =>
    kind === TraceExporterKind.Console
      ? new SimpleSpanProcessor(new ConsoleSpanExporter())
      : // Batching (OTEL_BSP_* tune it) keeps the export off the request path.
        new BatchSpanProcessor(createOtlpTraceExporter(config.otlpUrl, config.otlpProtocol)),
  );
  if (extra) processors.push(new SimpleSpanProcessor(extra));
  return processors;
}

function diagToPino(logger: Logger): DiagLogger {
  const warn = (message: string, ...args: unknown[]) => logger.warn({ otel: args.map(String) }, `opentelemetry: ${message}`);
  const ignore = () => undefined;
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}

/**
 * Starts tracing for this process from OTEL_* (see tracing-config.ts). Call once, at startup, before
 * any span; a second call before shutdown() throws TracingAlreadyStartedError.
 */
export function initTracing(serviceName: string, options: TracingOptions = {}): TracingHandle {
  const config = tracingConfigFromEnv(serviceName, options.env ?? process.env);
  if (config.exporters.length === 0 && !options.exporter) {
    return { enabled: false, serviceName: config.serviceName, config, forceFlush: async () => undefined, shutdown: async () => undefined };
  }
  if (started) throw new TracingAlreadyStartedError(`tracing already started for ${started.serviceName}: shut that handle down first`);
  const sdk = load('@opentelemetry/sdk-trace-node') as typeof SdkModule;
  const { resourceFromAttributes } = load('@opentelemetry/resources') as typeof ResourcesModule;
  const provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({
      ...options.resourceAttributes,
      ...config.resourceAttributes,
      [SemconvAttr.ServiceName]: config.serviceName,
    }),
    sampler: samplerFor(sdk, config.sampler),
    spanProcessors: processorsFor(sdk, config, options.exporter),
  });
  // Registers the provider, an AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  if (options.logger) diag.setLogger(diagToPino(options.logger), DiagLogLevel.WARN);
  let stopping: Promise<void> | undefined;
  const handle: TracingHandle = {
    enabled: true,
    serviceName: config.serviceName,
    config,
    forceFlush: () => provider.forceFlush(),
    shutdown: () =>
      (stopping ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          if (options.logger) diag.disable();
          if (started === handle) started = undefined;
        }
      })()),
  };
  started = handle;
  return handle;
}

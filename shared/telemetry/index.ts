// Telemetry: structured logs (pino), tracing (OpenTelemetry, W3C trace context over NATS headers) and
// Prometheus metrics. Each part works with the others off: no exporter configured means no tracing SDK.
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { LogField, loggablePrompt, requestLogger } from './request-logger.js';
export type { LoggablePrompt } from './request-logger.js';

export { TRACER_NAME, TracingAlreadyStartedError, initTracing } from './tracing.js';
export type { TracingHandle, TracingOptions } from './tracing.js';
export {
  OtlpProtocol,
  SamplerName,
  TraceExporterKind,
  TracingConfigError,
  parseResourceAttributes,
  tracingConfigFromEnv,
} from './tracing-config.js';
export type { SamplerConfig, TracingConfig } from './tracing-config.js';
export { createOtlpTraceExporter } from './otlp-trace-exporters.js';
export {
  TraceHeader,
  contextFromHttpHeaders,
  contextFromMessage,
  contextFromNatsHeaders,
  currentTraceId,
  currentTraceIds,
  hasPropagatableSpan,
  injectTraceContext,
  traceHeaders,
  traceHttpHeaders,
} from './trace-context.js';
export type { TraceIds } from './trace-context.js';
export { SpanKind, endSpan, recordSpanError, startSpan, withSpan } from './spans.js';
export type { Attributes, Context, Span, SpanStartOptions, StartedSpan } from './spans.js';
export {
  AtcAttr,
  GEN_AI_PROVIDER,
  GenAiAttr,
  GenAiOperation,
  PLUGIN_FILTERED_PREFIX,
  PLUGIN_SCORE_PREFIX,
  PdDecision,
  SemconvAttr,
  SpanName,
  pluginFilterAttributes,
  pluginScoreAttributes,
} from './attributes.js';

export {
  ApiLabel,
  METRICS_PATH,
  PickOutcome,
  RequestOutcome,
  TransportLabel,
  WorkerRoleLabel,
  commonMetrics,
  flowControlMetrics,
  ingressMetrics,
  schedulerMetrics,
  startMetricsServer,
  workerMetrics,
  writeMetrics,
} from './metrics/index.js';
export type {
  CommonMetrics,
  FlowControlMetrics,
  IngressMetrics,
  QueuedFlow,
  LiveWorker,
  MetricsServer,
  SchedulerMetrics,
  WorkerEngineLoad,
  WorkerMetrics,
} from './metrics/index.js';

// vLLM's own surfaces: KV-event wire codec and ZMQ stream, /metrics names, SSE, and VllmEngine.
export { VllmEngine } from './vllm-engine.js';
export type { VllmEngineOptions } from './vllm-engine.js';
export { KvEventLayout, KvEventTag, decodeBatch, decodeKvEventBatch, encodeKvEventBatch } from './kv-event-codec.js';
export type { KvEventDecodeOptions } from './kv-event-codec.js';
export { KvEventDecodeError } from './kv-event-fields.js';
export { KvEventPublisher, KvEventSubscriber, encodeSequence, endpointBinds } from './kv-event-stream.js';
export { ZmqUnavailableError, loadZmq } from './zmq.js';
export type { ZmqModule } from './zmq.js';
export type { KvEventGap, KvEventGapListener, KvEventPublisherOptions, KvEventSubscriberOptions } from './kv-event-stream.js';
export { SSE_DONE, SseDecoder, sseDataPayloads, sseEvent } from './sse.js';
export { EMPTY_ENGINE_LOAD, VllmMetricName, engineLoadFromMetrics } from './vllm-load.js';
export { connectionError, httpStatusError, isRetryableStatus } from './vllm-http-errors.js';

// The ingress's metrics: what clients see.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CONTROL_PATH_BUCKETS_S, ITL_BUCKETS_S, REQUEST_LATENCY_BUCKETS_S, TTFT_BUCKETS_S } from '../../prometheus/index.js';
import { commonMetrics } from './common-metrics.js';

/**
 * Values of the `outcome` label: 'ok', 'cancelled' (client went away), or the OpenAI error code the
 * client got (invalid_json, invalid_value, model_not_found, no_worker_available, worker_lost,
 * deadline_exceeded, ...: a closed set, see services/ingress/openai-errors.ts).
 */
export const RequestOutcome = { Ok: 'ok', Cancelled: 'cancelled' } as const;
export type RequestOutcome = (typeof RequestOutcome)[keyof typeof RequestOutcome];

/** Values of the `api` label. */
export const ApiLabel = { Completions: 'completions', ChatCompletions: 'chat_completions' } as const;
export type ApiLabel = (typeof ApiLabel)[keyof typeof ApiLabel];

/** Values of the `transport` label. */
export const TransportLabel = { Http: 'http', Nats: 'nats' } as const;
export type TransportLabel = (typeof TransportLabel)[keyof typeof TransportLabel];

export function ingressMetrics(registry: Registry) {
  return {
    ...commonMetrics(registry),
    requests: new Counter({
      name: 'atc_ingress_requests_total',
      help: 'Inference requests answered, by API, transport, model and outcome (ok, cancelled, or the error code).',
      labelNames: ['api', 'transport', 'model', 'outcome'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'atc_ingress_requests_in_flight',
      help: 'Inference requests being served now.',
      labelNames: ['api', 'transport'],
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: 'atc_ingress_time_to_first_token_seconds',
      help: 'Seconds from receiving a request to sending its first token (streaming) or its body.',
      labelNames: ['model'],
      buckets: [...TTFT_BUCKETS_S],
      registers: [registry],
    }),
    interTokenLatency: new Histogram({
      name: 'atc_ingress_inter_token_latency_seconds',
      help: 'Seconds between consecutive streamed token chunks of one request, per token.',
      labelNames: ['model'],
      buckets: [...ITL_BUCKETS_S],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'atc_ingress_request_duration_seconds',
      help: 'Seconds from receiving a request to its last byte, successful requests.',
      labelNames: ['model'],
      buckets: [...REQUEST_LATENCY_BUCKETS_S],
      registers: [registry],
    }),
    pickDuration: new Histogram({
      name: 'atc_ingress_pick_duration_seconds',
      help: 'Seconds the ingress waited for a scheduler decision (NATS round trip included).',
      buckets: [...CONTROL_PATH_BUCKETS_S],
      registers: [registry],
    }),
    promptTokens: new Counter({
      name: 'atc_ingress_prompt_tokens_total',
      help: 'Prompt tokens of completed requests, cached ones included.',
      labelNames: ['model'],
      registers: [registry],
    }),
    cachedPromptTokens: new Counter({
      name: 'atc_ingress_cached_prompt_tokens_total',
      help: 'Prompt tokens served from an engine prefix cache.',
      labelNames: ['model'],
      registers: [registry],
    }),
    generationTokens: new Counter({
      name: 'atc_ingress_generation_tokens_total',
      help: 'Tokens generated for completed requests.',
      labelNames: ['model'],
      registers: [registry],
    }),
    pickRetries: new Counter({
      name: 'atc_ingress_pick_retries_total',
      help: 'Picks asked again of another scheduler replica after one did not answer, by why (timeout, no_responders).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    workerRetries: new Counter({
      name: 'atc_ingress_worker_retries_total',
      help: 'Requests sent to another worker after one failed to take them, by the error code of the failure.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
export type IngressMetrics = ReturnType<typeof ingressMetrics>;

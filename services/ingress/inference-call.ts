// One inference call as both front doors (HTTP and NATS) run it: validate, check the model, dispatch,
// and deliver either chunks (stream) or one body.
import { randomUUID } from 'node:crypto';
import type { WorkerDirectory } from '../../shared/fleet/index.js';
import type { DispatchEvent, Dispatcher } from './dispatcher.js';
import { HttpError } from './openai-errors.js';
import { parseInferenceRequest, type ApiKind, type InferenceJob, type RequestLimits } from './openai-request.js';
import { ResponseBuilder } from './openai-response.js';

export interface InferenceSink {
  /** Streaming: one OpenAI chunk object. */
  chunk(chunk: object): void;
  /** Non-streaming: the whole body, with where and how fast the engine served it. */
  body(body: object, served: { workerId: string; prefillWorkerId?: string; engineTtftMs: number }): void;
}

export class InferenceFrontDoor {
  constructor(private readonly dispatcher: Dispatcher, private readonly directory: WorkerDirectory, readonly limits: RequestLimits) {}

  /** Models served by at least one live worker. */
  models(): string[] {
    return [...new Set(this.directory.live().flatMap((w) => w.registration.models))].sort();
  }

  /** Validates the body and the model; throws HttpError without side effects when either is bad. */
  prepare(kind: ApiKind, body: unknown): InferenceJob {
    const job = parseInferenceRequest(kind, body, this.limits);
    const served = this.models();
    if (!served.includes(job.model)) {
      if (served.length === 0) throw new HttpError(503, 'no worker is serving any model right now', 'service_unavailable_error', 'no_worker_available');
      throw new HttpError(404, `The model '${job.model}' does not exist. Served models: ${served.join(', ')}`, 'invalid_request_error', 'model_not_found', 'model');
    }
    return job;
  }

  newRequestId(given?: string): string {
    return given && /^[A-Za-z0-9_.:-]{1,128}$/.test(given) ? given : randomUUID();
  }

  /** Runs the job to completion, feeding the sink; throws on failure (before or after the first chunk). */
  async run(requestId: string, job: InferenceJob, headers: Record<string, string>, signal: AbortSignal, sink: InferenceSink): Promise<void> {
    const builder = new ResponseBuilder(job, requestId);
    let text = '';
    let finished: Extract<DispatchEvent, { type: 'finished' }> | undefined;
    for await (const event of this.dispatcher.run(requestId, job, headers, signal)) {
      if (job.stream) for (const c of builder.chunks(event)) sink.chunk(c);
      if (event.type === 'tokens') text += event.text;
      else finished = event;
    }
    if (!job.stream && finished) sink.body(builder.body(text, finished), {
      workerId: finished.workerId, engineTtftMs: finished.engineTtftMs, ...(finished.prefillWorkerId ? { prefillWorkerId: finished.prefillWorkerId } : {}),
    });
  }
}

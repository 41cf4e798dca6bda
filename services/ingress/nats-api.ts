// The OpenAI API over NATS request-reply, for NATS clients: same JSON bodies as HTTP on atc.v1.*.
// Non-streaming: one reply. Streaming: each chunk is a message to the requester's reply subject, then a
// final message with header Atc-Stream: done and body [DONE]. Errors: the OpenAI error body with header
// Atc-Status carrying the HTTP status the same failure would get; a stream that fails after its first
// chunk gets the error and then the [DONE] message, as HTTP sends. Every reply carries Atc-Request-Id;
// publishing {"request_id"} to atc.v1.cancel cancels a running request.
import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { guarded } from '../../shared/nats/index.js';
import { contextFromMessage } from '../../shared/telemetry/index.js';
import { AtcError, AtcHeader, ErrorCode, clientApi, queueGroups } from '../../shared/protocol/index.js';
import type { InferenceFrontDoor } from './front-door.js';
import { HttpError, duplicateRequestId, errorBody, toHttpError } from './openai-errors.js';
import { ApiKind } from './openai-request.js';
import { FLOW_CLIENT_HEADERS } from './flow-headers.js';

const encoder = new TextEncoder();

export class IngressNatsApi {
  private readonly subs: Subscription[] = [];
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly frontDoor: InferenceFrontDoor,
    private readonly logger: Logger,
    /** Largest request body, bytes (the HTTP limit, within the NATS max_payload). */
    private readonly maxBodyBytes = Number.POSITIVE_INFINITY,
  ) {}

  start(): void {
    const q = { queue: queueGroups.ingress };
    this.subs.push(
      this.nc.subscribe(clientApi.completions, {
        ...q,
        callback: guarded(this.logger, 'completions', (m) => void this.inference(ApiKind.Completion, m)),
      }),
    );
    this.subs.push(
      this.nc.subscribe(clientApi.chatCompletions, {
        ...q,
        callback: guarded(this.logger, 'chat', (m) => void this.inference(ApiKind.Chat, m)),
      }),
    );
    this.subs.push(
      this.nc.subscribe(clientApi.models, {
        ...q,
        callback: guarded(this.logger, 'models', (m) =>
          this.reply(m, this.frontDoor.newRequestId(m.headers?.get(AtcHeader.RequestId)), {
            object: 'list',
            data: this.frontDoor.models().map((id) => ({ id, object: 'model', created: 0, owned_by: 'llm-atc' })),
          }),
        ),
      }),
    );
    this.subs.push(
      this.nc.subscribe(clientApi.cancel, {
        callback: (_e, m) => {
          try {
            const id = (JSON.parse(new TextDecoder().decode(m.data)) as { request_id?: unknown }).request_id;
            if (typeof id === 'string') this.running.get(id)?.abort(new AtcError(ErrorCode.Cancelled, 'cancelled by client'));
          } catch {
            this.logger.warn('dropped malformed cancel request');
          }
        },
      }),
    );
  }

  private reply(msg: Msg, requestId: string, body: unknown, extra: Record<string, string> = {}): void {
    if (!msg.reply) return;
    const h = natsHeaders();
    if (requestId) h.set(AtcHeader.RequestId, requestId);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    this.nc.publish(msg.reply, typeof body === 'string' ? encoder.encode(body) : encoder.encode(JSON.stringify(body)), { headers: h });
  }

  private async inference(kind: ApiKind, msg: Msg): Promise<void> {
    const requestId = this.frontDoor.newRequestId(msg.headers?.get(AtcHeader.RequestId));
    if (!msg.reply) {
      this.logger.warn({ requestId, subject: msg.subject }, 'dropped inference request without a reply subject');
      return;
    }
    if (this.running.has(requestId)) {
      const e = duplicateRequestId(requestId);
      this.reply(msg, requestId, errorBody(e), { [AtcHeader.Status]: String(e.status), [AtcHeader.Stream]: 'done' });
      return;
    }
    const controller = new AbortController();
    this.running.set(requestId, controller);
    let streamed = false;
    const headers: Record<string, string> = {};
    for (const key of ['x-session-id', 'x-slo-ttft-ms', 'x-slo-tpot-ms', ...FLOW_CLIENT_HEADERS]) {
      const v = msg.headers?.get(key);
      if (v) headers[key] = v;
    }
    try {
      const { stream } = await this.frontDoor.serve({
        kind,
        transport: 'nats',
        requestId,
        headers,
        parent: contextFromMessage(msg),
        signal: controller.signal,
        readBody: async () => {
          if (msg.data.length > this.maxBodyBytes)
            throw new HttpError(
              413,
              `request body is larger than ${this.maxBodyBytes} bytes`,
              'invalid_request_error',
              'request_too_large',
            );
          return new TextDecoder().decode(msg.data);
        },
        sink: {
          chunk: (chunk) => {
            streamed = true;
            this.reply(msg, requestId, chunk);
          },
          body: (b) => this.reply(msg, requestId, b),
        },
      });
      if (stream) this.reply(msg, requestId, '[DONE]', { [AtcHeader.Stream]: 'done' });
    } catch (err) {
      const e = toHttpError(err);
      const retryAfter: Record<string, string> = e.retryAfterS !== undefined ? { [AtcHeader.RetryAfter]: String(e.retryAfterS) } : {};
      if (streamed) {
        // As over HTTP: a stream that broke off ends with its error and then the usual [DONE].
        this.reply(msg, requestId, errorBody(e), { [AtcHeader.Status]: String(e.status), ...retryAfter });
        this.reply(msg, requestId, '[DONE]', { [AtcHeader.Stream]: 'done' });
      } else this.reply(msg, requestId, errorBody(e), { [AtcHeader.Status]: String(e.status), [AtcHeader.Stream]: 'done', ...retryAfter });
    } finally {
      this.running.delete(requestId);
    }
  }

  async stop(): Promise<void> {
    for (const c of this.running.values()) c.abort(new AtcError(ErrorCode.Cancelled, 'ingress shutting down'));
    await Promise.all(this.subs.map((s) => s.drain()));
  }
}

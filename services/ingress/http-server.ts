// The OpenAI-compatible HTTP API. Node's http module, no framework: the surface is small and every
// byte of it (statuses, SSE framing, disconnects) matters.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { contextFromHttpHeaders, writeMetrics } from '../../shared/telemetry/index.js';
import { AtcError, ErrorCode } from '../../shared/protocol/index.js';
import { HOP_HTTP_HEADER, HOP_TIMING, hopNow, type HopStamps } from '../../shared/telemetry/hop-timing.js';
import type { ApiKeys } from './api-keys.js';
import type { InferenceFrontDoor } from './front-door.js';
import { HttpError, errorBody, toHttpError } from './openai-errors.js';
import { ApiKind } from './openai-request.js';
import { stripTrustedHeaders } from './flow-headers.js';

export interface HttpServerOptions {
  readonly port: number;
  readonly host: string;
  /** Largest accepted request body, bytes. */
  readonly maxBodyBytes: number;
  /** Keys the /v1 routes require (Authorization: Bearer); none: open. */
  readonly apiKeys?: ApiKeys | undefined;
  /** ms to receive the request headers (Node's headersTimeout). Default 10000. */
  readonly headersTimeoutMs?: number;
  /** ms to receive the whole request, body included (Node's requestTimeout); the answer is not limited. Default 30000. */
  readonly bodyTimeoutMs?: number;
  /** ms an idle keep-alive connection stays open (Node's keepAliveTimeout). Default 5000. */
  readonly keepAliveTimeoutMs?: number;
}

/** The routes anyone may call, keys or not: probes and scrapes. */
const OPEN_ROUTES = new Set(['/health', '/livez', '/metrics']);

/** Request headers the scheduling plugins may read. */
const FORWARDED_HEADER = /^(x-session-id|x-atc-[a-z0-9-]+|x-slo-[a-z0-9-]+)$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => new HttpError(413, `request body is larger than ${limit} bytes`, 'invalid_request_error', 'request_too_large');
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class IngressHttpServer {
  private readonly server: Server;

  constructor(
    private readonly frontDoor: InferenceFrontDoor,
    private readonly options: HttpServerOptions,
    private readonly registry: Registry,
    private readonly logger: Logger,
  ) {
    const bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
    // Node checks these timeouts every connectionsCheckingInterval (default 30 s): a tenth of the
    // shortest keeps a slow client from holding a connection much past its limit.
    const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? 10_000, bodyTimeoutMs);
    const checkEveryMs = Math.max(100, Math.min(1_000, Math.floor(headersTimeoutMs / 10)));
    this.server = createServer(
      { connectionsCheckingInterval: checkEveryMs, requestTimeout: bodyTimeoutMs, headersTimeout: headersTimeoutMs },
      (req, res) => {
        this.route(req, res).catch((err: unknown) => {
          this.logger.error({ err: String(err) }, 'unhandled error in HTTP handler');
          if (!res.headersSent) sendJson(res, 500, errorBody(toHttpError(err)));
          else res.end();
        });
      },
    );
    // requestTimeout bounds receiving the request only: long generations are governed by the request deadline.
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
    // Node's headersTimeout starts with the first byte: a connection that never sends one would stay open.
    const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
    this.server.on('connection', (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), headersTimeoutMs);
      firstRequest.set(socket, timer);
      socket.once('close', () => clearTimeout(timer));
    });
    this.server.on('request', (req: IncomingMessage) => clearTimeout(firstRequest.get(req.socket)));
  }

  /** The request handler itself: the fuzz suite injects requests into it without sockets. */
  get requestListener(): (req: IncomingMessage, res: ServerResponse) => void {
    return this.server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const routes: Record<string, [string, () => Promise<void> | void]> = {
      // Readiness: 503 with the reason while no worker or no JetStream registry can be reached.
      '/health': [
        'GET',
        () => {
          const reason = this.frontDoor.unavailableReason();
          if (reason !== undefined) sendJson(res, 503, { status: 'unavailable', reason });
          else sendJson(res, 200, { status: 'ok', models: this.frontDoor.models() });
        },
      ],
      // Liveness: the process answers HTTP (restart it only when this fails).
      '/livez': ['GET', () => sendJson(res, 200, { status: 'alive' })],
      '/metrics': ['GET', () => writeMetrics(res, this.registry)],
      '/v1/models': [
        'GET',
        () =>
          sendJson(res, 200, {
            object: 'list',
            data: this.frontDoor.models().map((id) => ({ id, object: 'model', created: 0, owned_by: 'llm-atc' })),
          }),
      ],
      '/v1/completions': ['POST', () => this.inference(ApiKind.Completion, req, res)],
      '/v1/chat/completions': ['POST', () => this.inference(ApiKind.Chat, req, res)],
    };
    const route = path === undefined ? undefined : routes[path];
    if (this.options.apiKeys && !OPEN_ROUTES.has(path ?? '') && !this.options.apiKeys.accepts(req.headers.authorization)) {
      req.resume(); // the body is not read: drain it so the connection can be reused
      res.setHeader('x-request-id', this.frontDoor.newRequestId(req.headers['x-request-id'] as string | undefined));
      res.setHeader('www-authenticate', 'Bearer');
      const message = req.headers.authorization
        ? 'Incorrect API key provided.'
        : "You didn't provide an API key. Provide it in the Authorization header (Authorization: Bearer YOUR_KEY).";
      sendJson(res, 401, errorBody(new HttpError(401, message, 'invalid_request_error', 'invalid_api_key')));
      return;
    }
    if (!route) {
      sendJson(res, 404, errorBody(new HttpError(404, `no route for ${req.method} ${path}`, 'invalid_request_error', 'not_found')));
      return;
    }
    if (req.method !== route[0]) {
      res.setHeader('allow', route[0]);
      sendJson(res, 405, errorBody(new HttpError(405, `${path} accepts ${route[0]} only`, 'invalid_request_error', 'method_not_allowed')));
      return;
    }
    await route[1]();
  }

  private async inference(kind: ApiKind, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hops: HopStamps | undefined = HOP_TIMING ? { httpIn: hopNow() } : undefined;
    const requestId = this.frontDoor.newRequestId(req.headers['x-request-id'] as string | undefined);
    res.setHeader('x-request-id', requestId);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (FORWARDED_HEADER.test(k) && typeof v === 'string') headers[k] = v;
    stripTrustedHeaders(headers);
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new AtcError(ErrorCode.Cancelled, 'client disconnected'));
    });
    try {
      const { stream } = await this.frontDoor.serve({
        kind,
        transport: 'http',
        requestId,
        headers,
        parent: contextFromHttpHeaders(req.headers),
        signal: controller.signal,
        ...(hops ? { hops } : {}),
        readBody: async () => (await readBody(req, this.options.maxBodyBytes)).toString('utf8'),
        sink: {
          chunk: (chunk) => {
            if (!res.headersSent)
              res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
            res.write(`data: ${JSON.stringify(chunk)}\n\n`);
          },
          body: (body, served) => {
            // Operators (and the path-latency benchmark) see where a request ran and the engine's own TTFT.
            res.setHeader('x-atc-worker-id', served.workerId);
            // Only when the prompt really was prefilled there; a planned remote prefill that fell back says why.
            if (served.prefillWorkerId) res.setHeader('x-atc-prefill-worker-id', served.prefillWorkerId);
            if (served.prefillFallback) res.setHeader('x-atc-prefill-fallback', served.prefillFallback);
            res.setHeader('x-atc-engine-ttft-ms', served.engineTtftMs.toFixed(3));
            if (hops) res.setHeader(HOP_HTTP_HEADER, JSON.stringify({ ...hops, respond: hopNow() }));
            sendJson(res, 200, body);
          },
        },
      });
      if (stream) {
        if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end('data: [DONE]\n\n');
      }
    } catch (err) {
      if (controller.signal.aborted) return; // the client is gone: nobody to answer
      const e = toHttpError(err);
      if (!res.headersSent && e.retryAfterS !== undefined) res.setHeader('retry-after', String(e.retryAfterS));
      if (!res.headersSent) sendJson(res, e.status, errorBody(e));
      else res.end(`data: ${JSON.stringify(errorBody(e))}\n\ndata: [DONE]\n\n`);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

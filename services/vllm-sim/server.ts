// A vLLM-compatible HTTP server over any Engine (node:http, no framework): the OpenAI routes vLLM
// serves, /health, /metrics with vLLM's metric names, and KV events on a ZMQ PUB socket in vLLM's
// wire format. Lets VllmEngine (and any vLLM client) be tested against the real protocol.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine } from '../../shared/engine/types.js';
import { KvEventPublisher } from '../../shared/engine/vllm/kv-event-stream.js';
import { KvEventLayout } from '../../shared/engine/vllm/kv-event-codec.js';
import { ApiError, ApiErrorType, badRequest } from './api-error.js';
import { apiErrorFrom, runGeneration, writeJson } from './generation-handler.js';
import { parseOpenAiRequest } from './openai-request.js';
import { responseId } from './openai-response.js';
import type { ApiKind } from './openai-response.js';
import { ServerMetrics } from './server-metrics.js';

export interface VllmServerOptions {
  readonly engine: Engine;
  /** Default 8000 (vLLM's); 0 picks a free port. */
  readonly port?: number;
  /** Default '127.0.0.1'. */
  readonly host?: string;
  /** vLLM's max_model_len, tokens. Default 8192 (Llama-3-8B's context window). */
  readonly maxModelLen?: number;
  /** Publish the engine's KV events here, e.g. 'tcp://*:5557'. Default: none. */
  readonly kvEventsEndpoint?: string;
  /** Default '' (vLLM's default topic). */
  readonly kvEventsTopic?: string;
  /** Default 'array' (every vLLM consumer reads it); 'map' mimics vLLM after #42892. */
  readonly kvEventsLayout?: KvEventLayout;
  /** Request bodies above this are refused (bytes). Default 32 MiB. */
  readonly maxBodyBytes?: number;
}

export interface VllmServer {
  readonly url: string;
  readonly port: number;
  /** The bound KV-event port, when publishing on a bound endpoint. */
  readonly kvEventsPort: number | undefined;
  readonly publisher: KvEventPublisher | undefined;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw badRequest(`request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
}

export async function startVllmServer(options: VllmServerOptions): Promise<VllmServer> {
  const { engine } = options;
  const maxModelLen = options.maxModelLen ?? 8192;
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const metrics = new ServerMetrics(engine);
  const created = Math.floor(Date.now() / 1000);

  let publisher: KvEventPublisher | undefined;
  let kvEventsPort: number | undefined;
  let unsubscribe: (() => void) | undefined;
  if (options.kvEventsEndpoint) {
    publisher = new KvEventPublisher({
      endpoint: options.kvEventsEndpoint,
      topic: options.kvEventsTopic ?? '',
      layout: options.kvEventsLayout ?? KvEventLayout.Array,
    });
    kvEventsPort = await publisher.start();
    const pub = publisher;
    unsubscribe = engine.onKvEvents((batch) => pub.publish(batch));
  }

  const generate = async (kind: ApiKind, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const header = req.headers['x-request-id'];
    const parsed = parseOpenAiRequest(
      await readBody(req, maxBodyBytes),
      kind,
      { model: engine.model, maxModelLen },
      typeof header === 'string' ? header : undefined,
    );
    const ctx = {
      kind,
      id: responseId(kind, parsed.engineRequest.requestId),
      created: Math.floor(Date.now() / 1000),
      model: engine.model,
      returnTokenIds: parsed.returnTokenIds,
    };
    await runGeneration(engine, metrics, parsed, ctx, res);
  };

  const routes: Record<string, Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void>> = {
    '/v1/completions': { POST: (req, res) => generate('completion', req, res) },
    '/v1/chat/completions': { POST: (req, res) => generate('chat', req, res) },
    '/v1/models': {
      GET: (_req, res) =>
        writeJson(res, 200, {
          object: 'list',
          data: [
            {
              id: engine.model,
              object: 'model',
              created,
              owned_by: 'vllm',
              root: engine.model,
              parent: null,
              max_model_len: maxModelLen,
              permission: [],
            },
          ],
        }),
    },
    '/health': {
      GET: (_req, res) => {
        res.writeHead(200, { 'content-length': 0 });
        res.end();
      },
    },
    '/metrics': {
      GET: async (_req, res) => {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
    },
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    const handler = route?.[req.method ?? 'GET'];
    const handle = async (): Promise<void> => {
      if (!route) throw new ApiError(404, `no route ${path}`, ApiErrorType.NotFound);
      if (!handler) throw new ApiError(405, `method ${req.method} not allowed on ${path}`, ApiErrorType.MethodNotAllowed);
      await handler(req, res);
    };
    handle().catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const apiError = apiErrorFrom(error);
      writeJson(res, apiError.status, apiError.body());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    kvEventsPort,
    publisher,
    close: () =>
      (closed ??= (async () => {
        unsubscribe?.();
        publisher?.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

// GET /metrics over node:http, for services without an HTTP server of their own (scheduler, workers);
// the ingress calls writeMetrics from its own route table.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

/**
 * Answers one scrape: 200 with the registry's text exposition (HEAD: headers only), 500 if a metric's
 * collect() fails (an engine's load could not be read). Never rejects.
 */
export async function writeMetrics(res: ServerResponse, registry: Registry, method = 'GET'): Promise<void> {
  let body: string;
  try {
    body = await registry.metrics();
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics collection failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return;
  }
  res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body) });
  res.end(method === 'HEAD' ? undefined : body);
}

export interface MetricsServer {
  /** The bound port (the one asked for, or the one the OS chose for port 0). */
  readonly port: number;
  /** Stops listening and drops open scrapes; idempotent. */
  close(): Promise<void>;
}

function handle(req: IncomingMessage, res: ServerResponse, registry: Registry): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== METRICS_PATH) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`only ${METRICS_PATH} is served here\n`);
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${METRICS_PATH} accepts GET\n`);
  } else {
    void writeMetrics(res, registry, req.method);
  }
}

/** Serves registry at http://host:port/metrics; port 0 picks a free port. */
export async function startMetricsServer(port: number, host: string, registry: Registry): Promise<MetricsServer> {
  const server = createServer((req, res) => handle(req, res, registry));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

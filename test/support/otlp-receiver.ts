// An in-process OTLP/HTTP trace collector for tests: POST /v1/traces in JSON (application/json), gzip
// or not; the services under test export http/json to it (env()). It keeps every span, flattened
// (traceId, spanId, parentSpanId, name, service.name, attributes as a plain object), and lets a test
// wait for the spans it expects. Protobuf bodies get 415: no decoder for them is kept.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { OtlpDecodeError } from './collected-span.js';
import type { CollectedSpan } from './collected-span.js';
import { decodeOtlpTraceJson } from './otlp-json-decoder.js';

export type { CollectedSpan } from './collected-span.js';

export const OTLP_TRACES_PATH = '/v1/traces';

/** One export request the receiver answered. */
export interface ReceivedExport {
  readonly contentType: string;
  readonly spans: number;
}

interface Waiter {
  readonly predicate: (span: CollectedSpan) => boolean;
  readonly count: number;
  readonly resolve: (spans: CollectedSpan[]) => void;
}

export class OtlpReceiver {
  readonly spans: CollectedSpan[] = [];
  readonly exports: ReceivedExport[] = [];
  private readonly waiters = new Set<Waiter>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1, on a free port. */
  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | undefined;
    const server = createServer((req, res) => {
      receiver!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    receiver = new OtlpReceiver(server, (server.address() as AddressInfo).port);
    return receiver;
  }

  /** Base URL, the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Full traces URL, the value for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  get tracesUrl(): string {
    return `${this.url}${OTLP_TRACES_PATH}`;
  }

  /** Environment that points a service's tracing here, over http/json; a short batch delay so spans arrive quickly. */
  env(): Record<string, string> {
    return {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: this.tracesUrl,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    };
  }

  /**
   * Resolves with the spans matching predicate once there are at least `count` of them (those already
   * received count); rejects after timeoutMs, naming what did arrive.
   */
  waitForSpans(predicate: (span: CollectedSpan) => boolean, timeoutMs: number, count = 1): Promise<CollectedSpan[]> {
    const now = this.spans.filter(predicate);
    if (now.length >= count) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.spans.map((s) => `${s.serviceName}/${s.name}`).join(', ') || 'none';
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} matching span(s); received: ${seen}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        count,
        resolve: (spans) => {
          clearTimeout(timer);
          resolve(spans);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Forgets the spans received so far. */
  clear(): void {
    this.spans.length = 0;
    this.exports.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').split('?')[0] !== OTLP_TRACES_PATH || req.method !== 'POST') {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`only POST ${OTLP_TRACES_PATH}\n`);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      res.writeHead(415, { 'content-type': 'text/plain' }).end(`unsupported content type '${contentType}'\n`);
      return;
    }
    let spans: CollectedSpan[];
    try {
      spans = decodeOtlpTraceJson(body);
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) throw err;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`${err.message}\n`);
      return;
    }
    this.spans.push(...spans);
    this.exports.push({ contentType, spans: spans.length });
    // A full success: an empty ExportTraceServiceResponse.
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      const matching = this.spans.filter(waiter.predicate);
      if (matching.length >= waiter.count) {
        this.waiters.delete(waiter);
        waiter.resolve(matching);
      }
    }
  }
}

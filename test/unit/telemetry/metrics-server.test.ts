import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { parsePrometheusText, samplesNamed } from '../../../shared/prometheus/index.js';
import { startMetricsServer, writeMetrics, type MetricsServer } from '../../../shared/telemetry/index.js';

/** The text exposition format Prometheus scrapes (format 0.0.4). */
const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

describe('telemetry: metrics server', () => {
  const registry = new Registry();
  new Counter({ name: 'atc_nats_reconnects_total', help: 'Reconnects.', registers: [registry] }).inc();
  let server: MetricsServer;

  before(async () => {
    server = await startMetricsServer(0, '127.0.0.1', registry);
  });
  after(() => server.close());

  it('serves the registry on GET /metrics in the text format', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), TEXT_FORMAT);
    const text = await res.text();
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)));
    assert.equal(samplesNamed(parsePrometheusText(text), 'atc_nats_reconnects_total')[0]!.value, 1);
  });

  it('answers HEAD with headers only, other paths with 404 and other methods with 405', async () => {
    const rows: Array<[path: string, method: string, status: number]> = [
      ['/', 'GET', 404],
      ['/metricsx', 'GET', 404],
      ['/metrics', 'POST', 405],
      ['/metrics?format=text', 'GET', 200],
      ['/metrics', 'HEAD', 200],
    ];
    for (const [path, method, status] of rows) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
      const body = await res.arrayBuffer();
      assert.equal(res.status, status, `${method} ${path}`);
      if (method === 'HEAD') {
        assert.equal(body.byteLength, 0);
        assert.equal(res.headers.get('content-type'), TEXT_FORMAT);
      }
    }
  });

  it('close() is idempotent', async () => {
    const other = await startMetricsServer(0, '127.0.0.1', registry);
    await Promise.all([other.close(), other.close()]);
    await other.close();
  });

  it('writeMetrics serves the same text from another server (the ingress route), and 500 when a collect() fails', async () => {
    const failing = new Registry();
    new Gauge({
      name: 'atc_g',
      help: 'A gauge read at scrape time.',
      registers: [failing],
      collect() {
        throw new Error('engine gone');
      },
    });
    const http = createServer((req, res) => void writeMetrics(res, req.url === '/bad' ? failing : registry));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (http.address() as AddressInfo).port;
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(ok.headers.get('content-type'), TEXT_FORMAT);
      assert.equal(await ok.text(), await registry.metrics());
      const bad = await fetch(`http://127.0.0.1:${port}/bad`);
      assert.equal(bad.status, 500);
      assert.match(await bad.text(), /engine gone/);
    } finally {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    }
  });
});

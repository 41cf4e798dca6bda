import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE, parsePrometheusText, samplesNamed } from '../../../shared/engine/vllm/prometheus-text.js';
import { MetricsRegistry, startMetricsServer, writeMetrics, type MetricsServer } from '../../../shared/telemetry/index.js';

describe('telemetry: metrics server', () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: 'atc_nats_reconnects_total', help: 'Reconnects.' }).inc();
  let server: MetricsServer;

  before(async () => {
    server = await startMetricsServer(0, '127.0.0.1', registry);
  });
  after(() => server.close());

  it('serves the registry on GET /metrics in the text format', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE);
    const families = parsePrometheusText(await res.text());
    assert.equal(samplesNamed(families, 'atc_nats_reconnects_total')[0]!.value, 1);
  });

  it('answers other paths with 404 and other methods with 405', async () => {
    const rows: Array<[path: string, method: string, status: number]> = [
      ['/', 'GET', 404],
      ['/metricsx', 'GET', 404],
      ['/metrics', 'POST', 405],
      ['/metrics?format=text', 'GET', 200],
    ];
    for (const [path, method, status] of rows) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
      await res.arrayBuffer();
      assert.equal(res.status, status, `${method} ${path}`);
    }
  });

  it('close() is idempotent', async () => {
    const other = await startMetricsServer(0, '127.0.0.1', registry);
    await Promise.all([other.close(), other.close()]);
    await other.close();
  });

  it('writeMetrics serves the same text from another server (the ingress route), and 500 when collection fails', async () => {
    const failing = new MetricsRegistry();
    failing.beforeCollect(() => {
      throw new Error('engine gone');
    });
    const http = createServer((req, res) => writeMetrics(res, req.url === '/bad' ? failing : registry));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (http.address() as AddressInfo).port;
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(await ok.text(), registry.render());
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

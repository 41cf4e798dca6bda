// The vLLM-compatible server's /metrics: the simulated engine's own registry, and the server's
// fallback for an engine that keeps none, both read back as VllmEngine reads a real vLLM.
import assert from 'node:assert/strict';
import { startVllmServer } from '../../../services/vllm-sim/index.js';
import type { VllmServer } from '../../../services/vllm-sim/index.js';
import { SimEngine } from '../../../shared/engine/sim/index.js';
import { engineLoadFromMetrics } from '../../../shared/engine/vllm/index.js';
import { parsePrometheusText, samplesNamed, type MetricFamily } from '../../../shared/prometheus/index.js';

const cases: Array<[what: string, vllmMetrics: boolean]> = [
  ['a SimEngine serves its own vLLM metrics', true],
  ["an engine without vLLM metrics gets the server's core set", false],
];

for (const [what, vllmMetrics] of cases) {
  describe(`vLLM-compatible server /metrics: ${what}`, function () {
    this.timeout(20000);
    let sim: SimEngine;
    let server: VllmServer;

    before(async () => {
      sim = new SimEngine({ seed: 4, vllmMetrics });
      server = await startVllmServer({ engine: sim, port: 0 });
    });
    after(async () => {
      await server.close();
      await sim.close();
    });

    async function scrape(): Promise<MetricFamily[]> {
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      return parsePrometheusText(await res.text());
    }
    const value = (families: MetricFamily[], name: string, labels: Record<string, string> = {}) =>
      samplesNamed(families, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    it("counts a request under vLLM's names and labels, and reads back as EngineLoad", async () => {
      assert.equal(sim.vllmMetrics() !== undefined, vllmMetrics);
      const before = await scrape();
      assert.equal(value(before, 'vllm:generation_tokens_total', { model_name: sim.model, engine: '0' }), 0);
      const res = await fetch(`${server.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: sim.model, prompt: 'Once upon a time', max_tokens: 6, ignore_eos: true }),
      });
      const body = (await res.json()) as { usage: { prompt_tokens: number } };
      const after = await scrape();
      assert.equal(value(after, 'vllm:generation_tokens_total'), 6);
      assert.equal(value(after, 'vllm:prompt_tokens_total'), body.usage.prompt_tokens);
      assert.equal(value(after, 'vllm:request_success_total', { finished_reason: 'length' }), 1);
      assert.equal(value(after, 'vllm:num_requests_running'), 0);
      const load = engineLoadFromMetrics(after);
      const truth = sim.load();
      assert.deepEqual(load, truth);
      assert.ok(load.prefixCacheQueries >= body.usage.prompt_tokens && load.numGpuBlocks > 0 && load.blockSize === 16);
    });
  });
}

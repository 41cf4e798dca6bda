import assert from 'node:assert/strict';
import {
  LatencyModel,
  LLAMA_3_8B_H100,
  QWEN3_32B_2XH100,
  StepWork,
  kvBytesPerTokenPerGpu,
  numGpuBlocksFor,
} from '../../../shared/engine/sim/index.js';
import { harness, scrapeVllmMetrics } from './harness.js';

function decodeStep(batch: number, context: number): StepWork {
  const w = new StepWork();
  for (let i = 0; i < batch; i++) w.addDecode(context);
  return w;
}

describe('KV capacity', () => {
  const rows = [
    // 0.9 × 80 GiB − 32.8 GB − 4.226 GB over 131,072 B × 16 per block: llm-d's published 307,328 tokens.
    { profile: QWEN3_32B_2XH100, kvBytes: 131_072, tokens: 307_328 },
    // 0.9 × 80 GiB − 16.06 GB − 2 GiB over 131,072 B × 16: 28,181 blocks.
    { profile: LLAMA_3_8B_H100, kvBytes: 131_072, tokens: 28_181 * 16 },
  ];
  for (const row of rows) {
    it(`${row.profile.name}: ${row.tokens} KV tokens`, () => {
      assert.equal(kvBytesPerTokenPerGpu(row.profile), row.kvBytes);
      assert.equal(numGpuBlocksFor(row.profile, 16) * 16, row.tokens);
    });
  }

  it('the engine reports the capacity in load() and cache_config_info', async () => {
    const h = harness({ profile: 'qwen3-32b-2xh100' });
    assert.equal(h.core.load().numGpuBlocks, 19_208);
    const info = (await scrapeVllmMetrics(h.core)).find((f) => f.name === 'vllm:cache_config_info')!;
    assert.deepEqual(
      info.samples.map((s) => [s.labels, s.value]),
      [
        [
          {
            block_size: '16',
            cache_dtype: 'auto',
            enable_prefix_caching: 'True',
            gpu_memory_utilization: '0.9',
            num_gpu_blocks: '19208',
          },
          1,
        ],
      ],
    );
  });
});

describe('LatencyModel', () => {
  const model = new LatencyModel(LLAMA_3_8B_H100);

  it('a batch-1 decode costs the weight read plus overhead', () => {
    // 16.06 GB / (3.35 TB/s × 0.8) = 5.99 ms, + 1.2 ms overhead, + 1024 × 128 KiB of KV (0.05 ms).
    const ms = model.stepMs(decodeStep(1, 1024));
    assert.ok(Math.abs(ms - 7.24) < 0.05, `${ms}`);
  });

  const batchRows = [1, 8, 32, 64, 128];
  it('decode steps slow down as the batch grows (KV reads), monotonically', () => {
    const times = batchRows.map((b) => model.stepMs(decodeStep(b, 2048)));
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!, `batch ${batchRows[i]}: ${times}`);
    // Batch 64 at 2k context reads 64 × 2048 × 128 KiB = 17.2 GB of KV on top of 16 GB of weights: ~2× batch 1.
    assert.ok(times[3]! / times[0]! > 1.8 && times[3]! / times[0]! < 2.3, `${times}`);
  });

  it('prefill cost grows with prompt length and with the context before the chunk', () => {
    const chunk = (n: number, start: number): number => {
      const w = new StepWork();
      w.addPrefill(n, start);
      return model.stepMs(w);
    };
    assert.ok(chunk(2048, 0) > chunk(1024, 0));
    // Same 1024 new tokens, but attending to 6144 earlier tokens: more attention FLOPs.
    assert.ok(chunk(1024, 6144) > chunk(1024, 0));
    // Long prefills are compute-bound: 8192 tokens ≈ (2 × 8.03e9 × 8192 + attention) / (989e12 × 0.55) ≈ 275 ms.
    const long = chunk(8192, 0);
    assert.ok(long > 250 && long < 300, `${long}`);
  });

  it('an empty step costs nothing', () => {
    assert.equal(model.stepMs(new StepWork()), 0);
  });

  it('TP2 adds all-reduce time per step: qwen3-32b batch-1 decode ≈ 12.2 + 1.2 + 1.15 ms', () => {
    const ms = new LatencyModel(QWEN3_32B_2XH100).stepMs(decodeStep(1, 1024));
    // 32.8 GB per GPU / 2.68 TB/s = 12.24 ms; + 1.2 ms overhead + 64 × 18 µs.
    assert.ok(Math.abs(ms - 14.6) < 0.1, `${ms}`);
  });

  it('in the engine, 64 concurrent decodes have a longer inter-token latency than 1', () => {
    const itl = (batch: number): number => {
      const h = harness({ seed: 4, overrides: { jitterFraction: 0 } });
      for (let i = 0; i < batch; i++)
        h.submit({ requestId: `r${i}`, promptTokenIds: [i + 1, ...new Array(2047).fill(7)], maxTokens: 32, ignoreEos: true });
      h.clock.run();
      const f = h.finished.get('r0')!;
      return (f.e2eMs - f.ttftMs) / 31;
    };
    const one = itl(1);
    const many = itl(64);
    assert.ok(Math.abs(one - model.stepMs(decodeStep(1, 2064))) < 0.1, `${one}`);
    assert.ok(many > one * 1.5, `${many} vs ${one}`);
  });
});

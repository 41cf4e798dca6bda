// The worker's engine options: --kv-offloading-size (GiB, as vLLM's flag) gives the simulated engine a
// CPU offload tier of that many bytes; 0 or absent gives none.
import assert from 'node:assert/strict';
import { createEngine, type EngineOptions } from '../../../shared/engine/factory.js';
import { SimEngine } from '../../../shared/engine/sim/index.js';

const base: EngineOptions = {
  kind: 'sim',
  model: 'llama-3-8b',
  profile: 'llama-3-8b-h100',
  vllmUrl: '',
  vllmKvEventsEndpoint: '',
  seed: 1,
  engineId: 'w1',
};

describe('createEngine', () => {
  const rows: Array<[string, number | undefined, boolean]> = [
    ['no offload size', undefined, false],
    ['offload size 0', 0, false],
    ['offload size 4 GiB', 4, true],
  ];
  for (const [what, gib, tier] of rows)
    it(`${what}: ${tier ? 'a CPU tier' : 'no CPU tier'}`, () => {
      const engine = createEngine({ ...base, ...(gib !== undefined ? { kvOffloadingGib: gib } : {}) });
      assert.ok(engine instanceof SimEngine);
      assert.equal(engine.core.cpuTier !== undefined, tier);
    });

  it('sizes the tier in GiB of KV blocks', () => {
    const blocks = (gib: number) => (createEngine({ ...base, kvOffloadingGib: gib }) as SimEngine).core.cpuTier!.capacityBlocks;
    // Llama-3-8B: 32 layers x 8 KV heads x 128 dims x 2 (K and V) x 2 bytes = 128 KiB a token; 16-token
    // blocks of 2 MiB, 512 to the GiB.
    assert.equal(blocks(1), 512);
    assert.equal(blocks(2.5), 1280);
  });
});

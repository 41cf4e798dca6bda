import assert from 'node:assert/strict';
import { ActiveBlockTracker, computeBlockHashes, seededRandom } from '../../../shared/scheduling/index.js';
import { tokens } from './fixtures.js';

/** The definition: distinct blocks over a worker's requests, and the prompt's leading blocks among them. */
class NaiveActive {
  readonly requests = new Map<string, { workerId: string; hashes: Float64Array }>();
  private blocks(workerId: string): Set<number> {
    const s = new Set<number>();
    for (const r of this.requests.values()) if (r.workerId === workerId) for (const h of r.hashes) s.add(h);
    return s;
  }
  activeBlocks(workerId: string): number {
    return this.blocks(workerId).size;
  }
  activePrefix(workerId: string, hashes: Float64Array): number {
    const s = this.blocks(workerId);
    let n = 0;
    while (n < hashes.length && s.has(hashes[n]!)) n++;
    return n;
  }
}

describe('ActiveBlockTracker', () => {
  it('counts distinct active blocks and active prefixes as the definition does, requests alone and sharing prefixes', () => {
    const rng = seededRandom(5);
    // Prompts of 0-12 blocks from 4 shared stems, so requests share 0, some or all of their blocks.
    const stems = Array.from({ length: 4 }, (_, s) => tokens(16 * 8, 1000 * s));
    const prompt = () => {
      const stem = stems[Math.floor(rng() * stems.length)]!.slice(0, 16 * Math.floor(rng() * 9));
      return computeBlockHashes(stem.concat(tokens(16 * Math.floor(rng() * 5), 100_000 + Math.floor(rng() * 3) * 500)), 16);
    };
    const workers = ['a', 'b', 'c'];
    const tracker = new ActiveBlockTracker();
    const naive = new NaiveActive();
    for (let step = 0; step < 3000; step++) {
      const id = `r${Math.floor(rng() * 40)}`;
      const roll = rng();
      if (roll < 0.5) {
        const w = workers[Math.floor(rng() * workers.length)]!;
        const hashes = prompt();
        tracker.assign(w, id, hashes);
        naive.requests.set(id, { workerId: w, hashes });
      } else if (roll < 0.95) {
        tracker.finish(id);
        naive.requests.delete(id);
      } else {
        const w = workers[Math.floor(rng() * workers.length)]!;
        tracker.removeWorker(w);
        for (const [k, r] of naive.requests) if (r.workerId === w) naive.requests.delete(k);
      }
      const probe = prompt();
      for (const w of workers) {
        assert.equal(tracker.activeBlocks(w), naive.activeBlocks(w), `step ${step} activeBlocks(${w})`);
        assert.equal(tracker.activePrefix(w, probe), naive.activePrefix(w, probe), `step ${step} activePrefix(${w})`);
      }
    }
  });
});

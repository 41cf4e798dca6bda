import assert from 'node:assert/strict';
import { passes, searchCapacity } from '../../../bench/routing/harness/capacity.js';

// A system whose p90 TTFT is 100 ms below `knee` and explodes above it: capacity is the knee.
const knee = (k: number) => (load: number) => ({ p90TtftMs: load <= k ? 100 : 10_000, failed: 0, completed: 10, outputTokensPerS: load });

describe('capacity search', () => {
  it('brackets with growing steps, then bisects to within the tolerance', () => {
    const r = searchCapacity(knee(13), { unit: 'qps', sloTtftMs: 2000, initial: 4, min: 0.5, max: 100, maxRuns: 10, relTolerance: 0.05 });
    // 4 ok, ×2 = 8 ok, ×3 = 24 fail; then bisect 16 fail, 12 ok, 14 fail, 13 ok, 13.5 fail -> 13.
    assert.deepEqual(
      r.probes.map((p) => p.load),
      [4, 8, 24, 16, 12, 14, 13, 13.5],
    );
    assert.equal(r.capacity, 13);
    assert.equal(r.first_failing_load, 13.5);
  });

  it('steps down when the first probe fails', () => {
    const r = searchCapacity(knee(1.1), { unit: 'qps', sloTtftMs: 2000, initial: 8, min: 0.5, max: 100, maxRuns: 4 });
    // 8 fail, /2 = 4 fail, /3 = 1.333 fail, /5 clamped to the minimum 0.5 ok: the run budget (4) ends it.
    assert.equal(r.capacity, 0.5);
    assert.deepEqual(
      r.probes.map((p) => p.load),
      [8, 4, 1.333, 0.5],
    );
  });

  it('reports 0 when even the minimum load fails, and respects the run budget', () => {
    const r = searchCapacity(knee(0.1), { unit: 'qps', sloTtftMs: 2000, initial: 1, min: 0.5, max: 100, maxRuns: 7 });
    assert.equal(r.capacity, 0);
    assert.deepEqual(
      r.probes.map((p) => p.load),
      [1, 0.5],
    );
  });

  it('a failed request fails the probe even within the latency bound', () => {
    assert.equal(passes({ p90TtftMs: 10, failed: 1, completed: 9, outputTokensPerS: 1 }, 2000), false);
    assert.equal(passes({ p90TtftMs: 10, failed: 0, completed: 9, outputTokensPerS: 1 }, 2000), true);
    assert.equal(passes({ p90TtftMs: 2001, failed: 0, completed: 9, outputTokensPerS: 1 }, 2000), false);
  });

  it('by default bisects until the bracket is within 2%', () => {
    const r = searchCapacity(knee(13.37), { unit: 'qps', sloTtftMs: 2000, initial: 4, min: 0.5, max: 100 });
    assert.ok(
      r.first_failing_load !== null && (r.first_failing_load - r.capacity) / r.capacity <= 0.02,
      JSON.stringify(r.probes.map((p) => p.load)),
    );
    assert.ok(r.capacity <= 13.37 && r.first_failing_load > 13.37);
  });

  it('a warm start with small steps brackets in few probes', () => {
    const r = searchCapacity(knee(10.1), { unit: 'qps', sloTtftMs: 2000, initial: 10, min: 0.5, max: 100, stepFactor: 1.02 });
    // 10 passes, 10.2 fails: the bracket is 2% wide at once.
    assert.deepEqual(
      r.probes.map((p) => p.load),
      [10, 10.2],
    );
    assert.equal(r.capacity, 10);
    // A guess far off: 10, 10.2, 10.61 (+4%), 11.46 (+8%) ... the steps grow, not one 2% step at a time.
    const far = searchCapacity(knee(20), { unit: 'qps', sloTtftMs: 2000, initial: 10, min: 0.5, max: 100, stepFactor: 1.02 });
    assert.ok(far.probes.length <= 12, `${far.probes.length} probes: ${far.probes.map((p) => p.load).join(', ')}`);
    assert.ok(far.capacity <= 20 && far.first_failing_load! > 20 && (far.first_failing_load! - far.capacity) / far.capacity <= 0.02);
  });
});

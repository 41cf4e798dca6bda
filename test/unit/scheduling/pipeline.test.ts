import assert from 'node:assert/strict';
import {
  DEFAULT_SCHEDULER_CONFIG,
  NoEligibleWorkerError,
  computeBlockHashes,
  PluginKind,
  Scheduler,
  SchedulingStateError,
  StateKey,
  builtinPluginRegistry,
  loadSchedulerConfig,
  schedule,
  seededRandom,
  type CompiledSchedulerConfig,
  type Scorer,
  type SchedulingRequest,
  type SchedulingState,
} from '../../../shared/scheduling/index.js';
import { MaxScorePicker } from '../../../shared/scheduling/plugins/pickers/max-score-picker.js';
import { NOW_MS, batch, emptyState, engineHashes, request, stored, tokens, worker } from './fixtures.js';

const workers = ['w0', 'w1', 'w2', 'w3'].map((id) => worker(id));
const prompt = tokens(4096); // 256 blocks
const req = (id: string): SchedulingRequest => request(prompt, {}, { requestId: id });

/** The engine behind `workerId` reports it cached the whole prompt (as vLLM's KV events would). */
function engineCachesPrompt(s: Scheduler, workerId: string): void {
  s.state.prefixIndex.applyEvents(workerId, 1, batch(stored(engineHashes(workerId, 256), null, prompt)));
}

describe('scheduling pipeline (default config)', () => {
  it('sends a repeated long prompt to the worker that cached it', () => {
    const s = new Scheduler({ random: seededRandom(7) });
    const first = s.decide(req('r0'), workers, NOW_MS);
    const cachedOn = first.decode.workerId;
    assert.equal(first.decode.cachedPrefixBlocks, 0);
    engineCachesPrompt(s, cachedOn);
    s.finish('r0');
    for (let i = 1; i <= 10; i++) {
      const d = s.decide(req(`r${i}`), workers, NOW_MS + i);
      assert.equal(d.decode.workerId, cachedOn);
      assert.equal(d.decode.cachedPrefixBlocks, 256);
      assert.equal(d.decode.uncachedTokens, 0);
      s.finish(`r${i}`);
    }
  });

  it('sends a request sharing a prompt routed moments ago, before its KV events, to the same worker', () => {
    // llm-d's shared-prefix workload under load: a group's first prompt waits in its engine's queue, and a
    // follow-up arriving before that prefill announced a block found a miss everywhere and went elsewhere.
    const hashes = computeBlockHashes(prompt, 16);
    const s = new Scheduler({ random: seededRandom(7) });
    const holder = s.decide(req('r0'), workers, NOW_MS).decode.workerId;
    const second = s.decide(req('r1'), workers, NOW_MS + 1);
    assert.equal(second.decode.workerId, holder);
    // The cost side stays on KV events: nothing is reported cached yet.
    assert.equal(second.decode.uncachedTokens, prompt.length);
    // Counted until the first token (then the KV events speak for the blocks), or the finish, or the worker's removal.
    assert.equal(s.state.pendingPrefixes!.activePrefix(holder, hashes), 256);
    s.markPrefilled('r0', NOW_MS + 2);
    assert.equal(s.state.pendingPrefixes!.activePrefix(holder, hashes), 256, 'r1 is still pending there');
    s.finish('r1');
    assert.equal(s.state.pendingPrefixes!.activePrefix(holder, hashes), 0);
    s.decide(req('r2'), workers, NOW_MS + 3);
    s.removeWorker(s.state.inflight.pendingOf('r2')!.workerId);
    for (const w of workers) assert.equal(s.state.pendingPrefixes!.activePrefix(w.id, hashes), 0);

    // Without pendingPrefixes (the default config before it) the follow-up went to another worker.
    const off = DEFAULT_SCHEDULER_CONFIG.replace('pendingPrefixes: true', 'pendingPrefixes: false');
    assert.notEqual(off, DEFAULT_SCHEDULER_CONFIG);
    const before = new Scheduler({ config: off, random: seededRandom(7) });
    const h = before.decide(req('r0'), workers, NOW_MS).decode.workerId;
    assert.notEqual(before.decide(req('r1'), workers, NOW_MS + 1).decode.workerId, h);
    assert.equal(before.state.pendingPrefixes, undefined);
  });

  it('drops the pending and active blocks of a request whose completion never came, with its in-flight entry', () => {
    const hashes = computeBlockHashes(prompt, 16);
    const s = new Scheduler({ random: seededRandom(7), inflightTtlMs: 1000 });
    const holder = s.decide(req('lost'), workers, NOW_MS).decode.workerId;
    assert.equal(s.state.pendingPrefixes!.activePrefix(holder, hashes), 256);
    assert.equal(s.state.activeBlocks.activeBlocks(holder), 256);
    // Its first token and completion were lost; a decision past the TTL expires it.
    s.decide(request(tokens(64, 90_000), {}, { requestId: 'later' }), workers, NOW_MS + 1500);
    assert.equal(s.state.inflight.workerOf('lost'), undefined);
    assert.equal(s.state.pendingPrefixes!.activePrefix(holder, hashes), 0);
    assert.equal(s.state.activeBlocks.activePrefix(holder, hashes), 0);
  });

  it('spreads load when the caching worker saturates', () => {
    const s = new Scheduler({ random: seededRandom(7) });
    engineCachesPrompt(s, 'w2');
    const counts: Record<string, number> = {};
    // 200 concurrent requests, none finishing; the load reports lag (still idle), the ledger does not.
    for (let i = 0; i < 200; i++) {
      const id = s.decide(req(`r${i}`), workers, NOW_MS + i).decode.workerId;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    const others = ['w0', 'w1', 'w3'].map((w) => counts[w] ?? 0);
    assert.ok(Math.min(...others) > 20, JSON.stringify(counts)); // everyone got a real share
    assert.ok(counts['w2']! > Math.max(...others), JSON.stringify(counts)); // affinity still visible
    // the hot-spot guard (absThreshold 32, relThreshold 2) stops w2 once it is both 32 ahead of and twice
    // the least loaded (+1: the request that crossed the line).
    const min = Math.min(...others);
    assert.ok(counts['w2']! <= Math.max(min + 32, 2 * min) + 1, JSON.stringify(counts));
  });

  it('avoids a caching worker whose own report shows it saturated', () => {
    const s = new Scheduler({ random: seededRandom(3) });
    engineCachesPrompt(s, 'w2');
    const saturated = workers.map((w) =>
      w.id === 'w2' ? worker('w2', { load: { runningRequests: 256, waitingRequests: 30, kvCacheUsage: 0.98 } }) : w,
    );
    const d = s.decide(req('r0'), saturated, NOW_MS);
    assert.notEqual(d.decode.workerId, 'w2');
  });

  it('explains the decision per profile and plugin', () => {
    const s = new Scheduler({ random: seededRandom(1) });
    engineCachesPrompt(s, 'w1');
    const d = s.decide(req('r0'), workers, NOW_MS);
    const decode = d.explanation.profiles[0]!;
    assert.equal(decode.profile, 'decode');
    assert.equal(decode.chosen, 'w1');
    assert.equal(decode.cachedPrefixBlocks, 256);
    const prefix = decode.scorers.find((x) => x.plugin === 'precise-prefix-cache-scorer')!;
    assert.deepEqual(prefix.scores, { w0: 0, w1: 1, w2: 0, w3: 0 });
    assert.equal(prefix.weight, 3);
    assert.match(d.explanation.disaggregation, /uncached tokens 0 < threshold 2048/);
  });

  it('throws NoEligibleWorkerError naming the filters when nothing can serve', () => {
    const s = new Scheduler();
    assert.throws(
      () => s.decide(request(prompt, {}, { model: 'unknown' }), workers, NOW_MS),
      (e: unknown) => e instanceof NoEligibleWorkerError && e.removedBy['model-filter']?.length === 4,
    );
  });
});

describe('scheduling pipeline contracts', () => {
  // A profile with one scorer and a picker, built by hand so that a test can break each contract.
  const picker = {
    type: 'first',
    name: 'first',
    kind: 'picker' as const,
    consumes: [],
    pick: (_c: unknown, s: readonly { worker: (typeof workers)[number] }[]) => s[0]!.worker,
  };
  const handler = loadSchedulerConfig(
    `plugins:\n  - type: queue-scorer\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n        weight: 1\n      - pluginRef: max-score-picker`,
  ).profileHandler;
  const configWith = (scorer: Scorer): CompiledSchedulerConfig => ({
    profiles: new Map([['decode', { name: 'decode', filters: [], scorers: [{ scorer, weight: 1 }], picker }]]),
    profileHandler: handler,
    consumes: new Set(scorer.consumes),
    readsPrefixIndex: false,
  });
  const ctx = (state: Partial<SchedulingState>) => ({
    nowMs: NOW_MS,
    workers,
    state: { ...emptyState(), ...state },
    random: seededRandom(1),
  });

  it('refuses to run a plugin whose declared state is missing, naming both', () => {
    const reader: Scorer = {
      type: 'reader',
      name: 'reader',
      kind: 'scorer',
      consumes: [StateKey.Inflight],
      score: (_c, ws) => ws.map(() => 1),
    };
    assert.throws(
      () => schedule(req('r'), ctx({ inflight: undefined }), configWith(reader)),
      (err: unknown) => {
        assert.ok(err instanceof SchedulingStateError);
        assert.equal(err.message, 'plugin "reader" reads "inflight", which this scheduling state does not have');
        return true;
      },
    );
  });

  it('refuses a score array of the wrong length', () => {
    const short: Scorer = { type: 'short', name: 'short', kind: 'scorer', consumes: [], score: () => [1] };
    assert.throws(() => schedule(req('r'), ctx({}), configWith(short)), /plugin "short" returned 1 scores for 4 workers/);
  });

  it('clamps scores into [0,1] and counts NaN as 0', () => {
    const wild: Scorer = { type: 'wild', name: 'wild', kind: 'scorer', consumes: [], score: () => [NaN, -3, 0.25, 7] };
    const d = schedule(req('r'), ctx({}), configWith(wild));
    assert.deepEqual(d.explanation.profiles[0]!.scorers[0]!.scores, { w0: 0, w1: 0, w2: 0.25, w3: 1 });
  });

  const nanScorer: Scorer = { type: 'nan', name: 'nan', kind: 'scorer', consumes: [], score: (_c, ws) => ws.map(() => NaN) };

  it('keeps NaN and infinity out of the totals: the picker chooses among finite totals', () => {
    const wild: Scorer = { type: 'wild', name: 'wild', kind: 'scorer', consumes: [], score: () => [NaN, Infinity, -Infinity, 0.5] };
    const config: CompiledSchedulerConfig = {
      ...configWith(wild),
      profiles: new Map([
        [
          'decode',
          {
            name: 'decode',
            filters: [],
            scorers: [
              { scorer: nanScorer, weight: 3 },
              { scorer: wild, weight: 2 },
            ],
            picker: new MaxScorePicker('max'),
          },
        ],
      ]),
    };
    const d = schedule(req('r'), ctx({}), config);
    const decode = d.explanation.profiles[0]!;
    // NaN and -Infinity count 0, Infinity 1; the all-NaN scorer adds nothing.
    assert.deepEqual(
      decode.scorers.map((x) => x.scores),
      [
        { w0: 0, w1: 0, w2: 0, w3: 0 },
        { w0: 0, w1: 1, w2: 0, w3: 0.5 },
      ],
    );
    assert.deepEqual(decode.totals, { w0: 0, w1: 2, w2: 0, w3: 1 });
    assert.equal(d.decode.workerId, 'w1');
  });

  // Every registered picker, over an all-NaN scorer (every total 0, a full tie): each must still pick one
  // of the candidates, as a NaN total would make none compare as best.
  const registry = builtinPluginRegistry();
  const pickerTypes = registry.types().filter((t) => registry.get(t)!.kind === PluginKind.Picker);
  it('finds the registered pickers', () => assert.ok(pickerTypes.length >= 7, pickerTypes.join(', ')));
  for (const type of pickerTypes) {
    it(`${type} picks a candidate when a scorer's NaN leaves every total at 0`, () => {
      const loaded = loadSchedulerConfig(
        `plugins:\n  - type: queue-scorer\n  - type: ${type}\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n        weight: 1\n      - pluginRef: ${type}`,
      );
      const profile = loaded.profiles.get('decode')!;
      const config: CompiledSchedulerConfig = {
        ...loaded,
        profiles: new Map([['decode', { ...profile, scorers: [{ scorer: nanScorer, weight: 1 }] }]]),
      };
      const c = ctx({});
      for (let i = 0; i < 8; i++) {
        const d = schedule(req(`n${i}`), c, config);
        assert.deepEqual(Object.values(d.explanation.profiles[0]!.totals), [0, 0, 0, 0]);
        assert.ok(
          workers.some((w) => w.id === d.decode.workerId),
          `${type} picked ${String(d.decode.workerId)}`,
        );
      }
    });
  }

  it('times every filter, scorer, picker and the profile handler', () => {
    const s = new Scheduler({ random: seededRandom(3) });
    const d = s.decide(req('t'), workers, NOW_MS);
    const decode = d.explanation.profiles.find((p) => p.profile === 'decode')!;
    const config = s.config.profiles.get('decode')!;
    const expected = [...config.filters.map((f) => f.name), ...config.scorers.map((x) => x.scorer.name), config.picker.name];
    assert.deepEqual(
      decode.timings.map((t) => t.plugin),
      expected,
    );
    for (const t of decode.timings) assert.ok(t.durationMs >= 0);
    assert.equal(d.explanation.profileHandler.kind, 'profile-handler');
  });

  it('keeps what plugins keep in the scheduling state: two states rotate independently', () => {
    const rr = loadSchedulerConfig(
      `plugins:\n  - type: round-robin-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: round-robin-picker`,
    );
    const a = ctx({});
    const b = ctx({});
    const picks = (c: typeof a) => [0, 1, 2].map((i) => schedule(req(`p${i}`), c, rr).decode.workerId);
    assert.deepEqual(picks(a), ['w0', 'w1', 'w2']);
    assert.deepEqual(picks(b), ['w0', 'w1', 'w2']); // the config itself holds no counter
    assert.deepEqual(picks(a), ['w3', 'w0', 'w1']);
  });
});

// Golden tests of the baselines: on recorded worker states, each baseline config (run through our
// framework) must choose what the upstream formula chooses. The reference functions below are written
// from the upstream sources, independently of our plugins:
//   llmd          llm-d/llm-d-router pkg/epp/framework/plugins/scheduling/filter/prefixcacheaffinity/plugin.go
//                 (Filter), .../scorer/tokenload/token_load.go (Score), .../picker/common.go
//                 (RotateScoredEndpoints); .../dataproducer/approximateprefix (64-token blocks, matchLongestPrefix)
//   llmd-precise  the same filter and scorer on .../dataproducer/preciseprefixcache (producer.go: matchLen
//                 in its 64-token blocks over len(blockKeys))
//   llmd-approx   .../scorer/prefix/plugin.go (matchBlocks / totalBlocks), .../scorer/queuedepth/queue.go
//                 (min-max), .../scorer/kvcacheutilization/kvcache_utilization.go (1 − usage); weights 3/2/2
//   dynamo        ai-dynamo/dynamo lib/kv-router/src/scheduling/selector/default.rs (worker_logit,
//                 pick_default_worker), selector/mod.rs (raw_prefill_blocks), sequences/prompt_registry.rs
//                 (potential_decode_blocks)
//   sglang        smg-project/smg model_gateway/src/policies/cache_aware.rs (candidate_requires_spill, the
//                 matched-tenant path), least_load.rs (select_min_expected_wait_with_freshness)
// The states: a table of named rows covering the edges, then 300 states drawn from a seeded generator.
import assert from 'node:assert/strict';
import { calibrateForProfile } from '../../../bench/routing/harness/calibration.js';
import { policyConfig } from '../../../bench/routing/harness/policies.js';
import { Scheduler, computeBlockHashes, seededRandom, type WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { MODEL, NOW_MS, batch, engineHashes, request, stored, tokens, worker } from './fixtures.js';

/** One worker as recorded: what the routers' state holds about it. */
interface WorkerState {
  readonly waiting: number;
  readonly running: number;
  /** KV cache usage in [0, 1). */
  readonly kv: number;
  /** Leading 16-token blocks of the prompt the engine holds (KV events). */
  readonly cached: number;
  /** Leading 16-token blocks of the prompt routed to it before (the routers' own memory). */
  readonly routed: number;
  /** Requests in flight that the router sent. */
  readonly inflight: number;
  /** Of those, sent after the worker's last load report. */
  readonly sentSinceReport: number;
  /** Uncached prompt tokens of those not yet at their first token. */
  readonly pendingTokens: number;
  /** Distinct blocks of the requests in flight, beyond the prompt's own. */
  readonly activeOther: number;
  /** Leading blocks of the prompt active in a request in flight there. */
  readonly activePrefix: number;
}

interface Row {
  readonly name: string;
  readonly promptTokens: number;
  readonly workers: readonly WorkerState[];
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);
const LLAMA = 'llama-3-8b-h100';

// ---------------------------------------------------------------------------------------------------
// Reference formulas, from upstream. Each returns the indices of the workers it may choose (ties).

const argBest = (xs: readonly number[], better: (a: number, b: number) => boolean): number[] => {
  let best = xs[0]!;
  for (const x of xs) if (better(x, best)) best = x;
  return xs.flatMap((x, i) => (Math.abs(x - best) <= 1e-9 ? [i] : []));
};

/** llm-d's prefix-cache-affinity-filter then token-load-scorer; cachedTokens(i): tokens its producer matched. */
function llmdReference(row: Row, matchedBlocks64: (w: WorkerState) => number, peak: number): number[] {
  const P = row.promptTokens;
  const total = Math.min(Math.floor(P / 64), Math.floor(131_072 / 64));
  const ratio = row.workers.map((w) => (total === 0 ? 0 : matchedBlocks64(w) / total));
  let kept = row.workers.map((_, i) => i);
  const sticky = kept.filter((i) => ratio[i]! >= 0.8);
  const others = kept.filter((i) => ratio[i]! < 0.8);
  if (sticky.length > 0) {
    const ttft = (i: number) => (row.workers[i]!.pendingTokens / peak) * 1000;
    const min = (xs: number[]) => Math.min(...xs.map(ttft));
    kept = others.length > 0 && min(sticky) - min(others) > 18_000 ? kept : sticky;
  }
  // token-load-scorer: in-flight tokens + this request's uncached tokens there, on a 4 Mi-token scale.
  const score = row.workers.map((w) => {
    const load = w.pendingTokens + (P - matchedBlocks64(w) * 64);
    return load <= 0 ? 1 : 1 - Math.min(load, 4_194_304) / 4_194_304;
  });
  const best = argBest(
    kept.map((i) => score[i]!),
    (a, b) => a > b,
  );
  return best.map((k) => kept[k]!);
}

function llmdApproxReference(row: Row): number[] {
  const P = row.promptTokens;
  const total = Math.min(Math.floor(P / 64), Math.floor(131_072 / 64));
  const q = row.workers.map((w) => w.waiting);
  const [qMin, qMax] = [Math.min(...q), Math.max(...q)];
  const scores = row.workers.map((w) => {
    const prefix = total === 0 ? 0 : Math.floor(w.routed / 4) / total;
    const queue = qMax === qMin ? 1 : (qMax - w.waiting) / (qMax - qMin);
    return 3 * prefix + 2 * queue + 2 * (1 - w.kv);
  });
  return argBest(scores, (a, b) => a > b);
}

function dynamoReference(row: Row): number[] {
  const P = row.promptTokens;
  const bs = 16;
  const requestBlocks = Math.ceil(P / bs);
  const logits = row.workers.map((w) => {
    const prefill = Math.max(0, (w.pendingTokens + P) / bs - w.cached); // prefill_load_scale 1, credit 1
    const decode = w.activeOther + w.activePrefix + (requestBlocks - w.activePrefix); // active + additional
    return prefill + decode;
  });
  return argBest(logits, (a, b) => a < b);
}

function sglangReference(row: Row): number[] {
  const P = row.promptTokens;
  const loads = row.workers.map((w) => w.inflight);
  const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
  const spills = (i: number) => loads[i]! > mean * 1.5 && loads[i]! > mean + 64;
  const longest = Math.max(...row.workers.map((w) => w.routed));
  const rate = P > 0 ? (longest * 16) / P : 0;
  const all = row.workers.map((_, i) => i);
  let pool = all;
  if (longest > 0 && rate > 0.3) {
    const holders = all.filter((i) => row.workers[i]!.routed === longest).slice(0, 8);
    const safe = holders.filter((i) => !spills(i));
    const calm = all.filter((i) => !spills(i));
    pool = safe.length > 0 ? safe : calm.length > 0 ? calm : all;
  }
  const wait = (i: number) => {
    const w = row.workers[i]!;
    const k = Math.min(w.kv, 0.999);
    return ((w.waiting + w.sentSinceReport) * 1024) / 2000 + (0.15 * k) / (1 - k);
  };
  const best = argBest(pool.map(wait), (a, b) => a < b);
  return best.map((k) => pool[k]!);
}

// ---------------------------------------------------------------------------------------------------
// The framework side: a Scheduler for the policy, its state set up to hold exactly the row's numbers.

const REPORTED_AT = NOW_MS - 1000;

function schedulerFor(policy: string, row: Row, seed: number): { scheduler: Scheduler; workers: WorkerSnapshot[] } {
  const scheduler = new Scheduler({
    config: policyConfig(policy, {}, calibrateForProfile(LLAMA)),
    random: seededRandom(seed),
    blockSize: 16,
  });
  const prompt = tokens(row.promptTokens);
  const hashes = computeBlockHashes(prompt, 16);
  const names = ids(row.workers.length);
  const st = scheduler.state;
  row.workers.forEach((w, i) => {
    const id = names[i]!;
    if (w.cached > 0) st.prefixIndex.applyEvents(id, 1, batch(stored(engineHashes(id, w.cached), null, prompt.slice(0, w.cached * 16))));
    if (w.routed > 0) st.routedPrefixes.recordRouted(id, hashes.subarray(0, w.routed), 1 << 20, NOW_MS - 5000);
    for (let k = 0; k < w.inflight; k++) {
      // In time order, as a router assigns them: the last sentSinceReport came after the report.
      const recent = k >= w.inflight - w.sentSinceReport;
      // The first request carries the pending prefill tokens; the rest are past their first token.
      st.inflight.assign(
        id,
        `${id}-r${k}`,
        Math.max(100, w.pendingTokens),
        10,
        recent ? NOW_MS - 500 : NOW_MS - 5000,
        k === 0 ? w.pendingTokens : 0,
      );
      if (k > 0 || w.pendingTokens === 0) st.inflight.markPrefilled(`${id}-r${k}`);
    }
    if (w.inflight === 0 && w.pendingTokens > 0) throw new Error('row error: pending tokens need a request in flight');
    const active = new Float64Array(w.activePrefix + w.activeOther);
    active.set(hashes.subarray(0, w.activePrefix));
    for (let k = 0; k < w.activeOther; k++) active[w.activePrefix + k] = 1e12 + i * 1e6 + k; // blocks of other prompts
    if (active.length > 0) st.activeBlocks.assign(id, `${id}-active`, active);
  });
  const workers = row.workers.map((w, i) =>
    worker(names[i]!, {
      role: 'decode',
      models: [MODEL],
      loadReportedAtMs: REPORTED_AT,
      load: { waitingRequests: w.waiting, runningRequests: w.running, kvCacheUsage: w.kv, numGpuBlocks: 1 << 20 },
    }),
  );
  return { scheduler, workers };
}

/** The worker the policy's first decision on this state picks. */
function choose(policy: string, row: Row, seed: number): number {
  const { scheduler, workers } = schedulerFor(policy, row, seed);
  const d = scheduler.decide(request(tokens(row.promptTokens), {}, { requestId: 'probe' }), workers, NOW_MS);
  return Number(d.decode.workerId.slice(1));
}

// ---------------------------------------------------------------------------------------------------

const idle: WorkerState = {
  waiting: 0,
  running: 0,
  kv: 0,
  cached: 0,
  routed: 0,
  inflight: 0,
  sentSinceReport: 0,
  pendingTokens: 0,
  activeOther: 0,
  activePrefix: 0,
};
const w = (partial: Partial<WorkerState>): WorkerState => ({ ...idle, ...partial });

const ROWS: readonly Row[] = [
  { name: 'all idle and cold', promptTokens: 4096, workers: [idle, idle, idle] },
  // One worker holds the whole 4,096-token prompt (256 blocks of 16) and is lightly loaded.
  {
    name: 'a full cache holder',
    promptTokens: 4096,
    workers: [w({ cached: 256, routed: 256, inflight: 2, pendingTokens: 3000, activeOther: 100 }), idle, w({ waiting: 1, kv: 0.2 })],
  },
  // The holder carries 300,000 pending tokens: over 18 s of prefill at llm-d's calibrated throughput → llm-d lets go.
  {
    name: 'holder saturated',
    promptTokens: 8192,
    workers: [
      w({ cached: 512, routed: 512, inflight: 3, pendingTokens: 600_000, waiting: 3, kv: 0.9 }),
      w({ inflight: 1, pendingTokens: 1000 }),
      idle,
    ],
  },
  // 70% of the prompt cached: below llm-d's 0.8 affinity threshold, above smg's 0.3.
  {
    name: 'partial holder',
    promptTokens: 6400,
    workers: [w({ cached: 280, routed: 280 }), w({ cached: 100, routed: 100 }), w({ waiting: 2, kv: 0.5 })],
  },
  // Heavy in-flight imbalance: smg's spill gate (load > 1.5 × mean and > mean + 64).
  {
    name: 'spilling holder',
    promptTokens: 2048,
    workers: [w({ routed: 128, cached: 128, inflight: 200 }), w({ inflight: 10 }), w({ inflight: 10 })],
  },
  // Load reports differ, caches do not.
  {
    name: 'queues and kv usage',
    promptTokens: 1024,
    workers: [w({ waiting: 4, kv: 0.7 }), w({ waiting: 1, kv: 0.3 }), w({ waiting: 1, kv: 0.1, sentSinceReport: 3, inflight: 3 })],
  },
  { name: 'a prompt shorter than one block', promptTokens: 10, workers: [w({ inflight: 1 }), idle] },
];

/** 300 recorded-like states: 2–8 workers, loads and caches drawn from a seeded generator. */
function randomRows(n: number): Row[] {
  const rnd = seededRandom(20261203);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  return Array.from({ length: n }, (_, k) => {
    const promptTokens = int(1, 20_000);
    const blocks = Math.floor(promptTokens / 16);
    const workers = Array.from({ length: int(2, 8) }, () => {
      const inflight = int(0, rnd() < 0.1 ? 200 : 20);
      const cached = rnd() < 0.5 ? 0 : int(0, blocks);
      return w({
        waiting: int(0, 6),
        running: int(0, 60),
        kv: Math.round(rnd() * 95) / 100,
        cached,
        routed: rnd() < 0.3 ? cached : rnd() < 0.5 ? 0 : int(0, blocks),
        inflight,
        sentSinceReport: int(0, inflight),
        pendingTokens: inflight > 0 && rnd() < 0.7 ? int(0, rnd() < 0.1 ? 600_000 : 40_000) : 0,
        activePrefix: inflight > 0 && rnd() < 0.3 ? int(0, blocks) : 0,
        activeOther: inflight > 0 ? int(0, 3000) : 0,
      });
    });
    return { name: `random state ${k}`, promptTokens, workers };
  });
}

const peak = calibrateForProfile(LLAMA).peakPrefillThroughput!;
const BASELINES: ReadonlyArray<{
  readonly policy: string;
  readonly reference: (row: Row) => number[];
  readonly ties: 'rotate' | 'random';
}> = [
  { policy: 'llmd', reference: (row) => llmdReference(row, (x) => Math.floor(x.routed / 4), peak), ties: 'rotate' },
  { policy: 'llmd-precise', reference: (row) => llmdReference(row, (x) => Math.floor(x.cached / 4), peak), ties: 'rotate' },
  { policy: 'llmd-approx', reference: llmdApproxReference, ties: 'rotate' },
  { policy: 'dynamo', reference: dynamoReference, ties: 'random' },
  { policy: 'sglang', reference: sglangReference, ties: 'random' },
];

describe('baselines against their upstream formulas (golden)', () => {
  for (const b of BASELINES) {
    describe(b.policy, () => {
      for (const row of ROWS)
        it(row.name, () => {
          const allowed = b.reference(row);
          // llm-d rotates ties from a counter that starts at 0: the first decision takes the first tie.
          if (b.ties === 'rotate')
            assert.equal(choose(b.policy, row, 1), allowed[0], `expected w${allowed[0]} of ${allowed.map((i) => `w${i}`).join(', ')}`);
          else
            for (const seed of [1, 2, 3])
              assert.ok(
                allowed.includes(choose(b.policy, row, seed)),
                `seed ${seed}: expected one of ${allowed.map((i) => `w${i}`).join(', ')}`,
              );
        });

      it('300 drawn states: the same choice (or one of the same ties)', () => {
        const rows = randomRows(300);
        const misses: string[] = [];
        for (const row of rows) {
          const allowed = b.reference(row);
          const got = choose(b.policy, row, 7);
          const ok = b.ties === 'rotate' ? got === allowed[0] : allowed.includes(got);
          if (!ok) misses.push(`${row.name}: w${got}, reference ${allowed.map((i) => `w${i}`).join('/')}`);
        }
        assert.deepEqual(misses, []);
      });
    });
  }

  it('the references tell the baselines apart (the states are varied enough to catch a wrong formula)', () => {
    const rows = randomRows(300);
    for (const a of BASELINES)
      for (const b of BASELINES) {
        if (a === b) continue;
        const differ = rows.some((row) => {
          const [x, y] = [a.reference(row), b.reference(row)];
          return x.every((i) => !y.includes(i));
        });
        assert.ok(differ, `${a.policy} and ${b.policy} agree on every drawn state`);
      }
  });
});

// Cache-holder prefill (pd-profile-handler's cacheHolderPrefill) on an aggregated fleet of kv_both
// workers, through the whole pipeline: the decode profile picks by prefix affinity (weight 1) against the
// queue (weight 2), and the handler decides whether the cache holder prefills for the decode worker.
import assert from 'node:assert/strict';
import {
  InflightLedger,
  PrefillBacklog,
  PrefixIndex,
  loadSchedulerConfig,
  schedule,
  seededRandom,
  type WorkerSnapshot,
} from '../../../shared/scheduling/index.js';
import { NOW_MS, batch, engineHashes, request, stored, tokens, worker } from './fixtures.js';

interface ConfigKnobs {
  readonly on?: boolean;
  readonly transferCostPerToken?: number;
  readonly holderBias?: number;
}

const config = ({ on = true, transferCostPerToken = 0.07, holderBias = 0 }: ConfigKnobs = {}) =>
  loadSchedulerConfig(`
plugins:
  - type: role-filter
    name: decode-role
    parameters: {role: decode}
  - type: precise-prefix-cache-scorer
  - type: queue-scorer
  - type: max-score-picker
  - type: pd-profile-handler
    parameters:
      thresholdTokens: 2048
      costAware: true
      prefillTokensPerS: 10000
      transferCostPerToken: ${transferCostPerToken}
      cacheHolderPrefill: ${on}
      holderBias: ${holderBias}
schedulingProfiles:
  - name: decode
    plugins:
      - {pluginRef: decode-role}
      - {pluginRef: precise-prefix-cache-scorer, weight: 1}
      - {pluginRef: queue-scorer, weight: 2}
      - {pluginRef: max-score-picker}
`);

/** The 8,000-token prompt of every row; a holder caches its first `blocks` 16-token blocks. */
const PROMPT = tokens(8000);
/** 480 blocks = 7,680 tokens: the holder computes a 320-token suffix. */
const HELD_BLOCKS = 480;

const idle = (id: string, role: WorkerSnapshot['role'] = 'both') => worker(id, { role });
/** A queue of 10 waiting requests: the queue scorer (weight 2) outweighs the holder's prefix (weight 1 × 0.96). */
const queued = (id: string, partial: Partial<WorkerSnapshot> = {}) =>
  worker(id, { role: 'both', load: { waitingRequests: 10 }, ...partial });

interface Row {
  readonly name: string;
  readonly workers: WorkerSnapshot[];
  /** Blocks of PROMPT each worker holds (KV events). */
  readonly held: Readonly<Record<string, number>>;
  /** Uncached tokens already assigned to a worker and not yet prefilled (InflightLedger). */
  readonly pending?: Readonly<Record<string, number>>;
  /** 8,000-token prompts sharing PROMPT's held prefix, scheduled just before (same instant). */
  readonly earlier?: number;
  readonly knobs?: ConfigKnobs;
  readonly decode: string;
  readonly prefill: string | undefined;
  /** What the decision's explanation must say. */
  readonly reason: RegExp;
}

const ROWS: Row[] = [
  // h queues 10 and carries 2,000 pending tokens: d decodes. local = 8,000; holder = 2,000 + 320 + 0.07 ×
  // 8,000 (560) = 2,880 ≤ 8,000: h prefills the suffix, d pulls the KV.
  {
    name: 'holder saturated: prefill on the holder, decode elsewhere',
    workers: [queued('h'), idle('d')],
    held: { h: HELD_BLOCKS },
    pending: { h: 2000 },
    decode: 'd',
    prefill: 'h',
    reason: /cache-holder prefill pays: holder h 2880 vs local 8000 tokens/,
  },
  // Nobody queues: h's prefix (0.96) breaks the tie, h decodes and has 320 uncached: stays aggregated.
  {
    name: 'holder idle: decoded on the holder, aggregated',
    workers: [idle('h'), idle('d')],
    held: { h: HELD_BLOCKS },
    decode: 'h',
    prefill: undefined,
    reason: /uncached tokens 320 < threshold 2048/,
  },
  // A slow link: 1.2 prefill-tokens per pulled token makes the transfer 9,600: holder 11,920 > 8,000.
  {
    name: 'transfer too costly: recompute on the decode worker',
    workers: [queued('h'), idle('d')],
    held: { h: HELD_BLOCKS },
    pending: { h: 2000 },
    knobs: { transferCostPerToken: 1.2 },
    decode: 'd',
    prefill: undefined,
    reason: /recompute is cheaper than cache-holder prefill: holder h 11920 vs local 8000 tokens/,
  },
  // The holder's own backlog: 10,000 pending + 320 + 560 = 10,880 > 8,000.
  {
    name: "holder's prefill backlog too long: recompute",
    workers: [queued('h'), idle('d')],
    held: { h: HELD_BLOCKS },
    pending: { h: 10_000 },
    decode: 'd',
    prefill: undefined,
    reason: /recompute is cheaper.*holder h 10880 vs local 8000/,
  },
  // Same backlog, holderBias 0.5: 10,880 ≤ 1.5 × 8,000 = 12,000.
  {
    name: 'holderBias accepts a later first token to save the recompute',
    workers: [queued('h'), idle('d')],
    held: { h: HELD_BLOCKS },
    pending: { h: 10_000 },
    knobs: { holderBias: 0.5 },
    decode: 'd',
    prefill: 'h',
    reason: /cache-holder prefill pays: holder h 10880 vs local 8000/,
  },
  // Two earlier prompts were already sent to h for prefill (320 tokens each in PrefillBacklog: 640), and
  // each was decoded on d, so d carries nothing in the ledger (schedule() records nothing): holder 2,000 +
  // 640 + 320 + 560 = 3,520.
  {
    name: 'earlier holder prefills count in its backlog',
    workers: [queued('h'), idle('d')],
    held: { h: HELD_BLOCKS },
    pending: { h: 2000 },
    earlier: 2,
    decode: 'd',
    prefill: 'h',
    reason: /holder h 3520 vs local 8000/,
  },
  {
    name: 'no holder: aggregated',
    workers: [queued('h'), idle('d')],
    held: {},
    decode: 'd',
    prefill: undefined,
    reason: /no cache holder saves/,
  },
  // 62 blocks (992 tokens) held: saves less than the 2,048-token threshold.
  {
    name: 'holder saves less than the threshold: recompute',
    workers: [queued('h'), idle('d')],
    held: { h: 62 },
    decode: 'd',
    prefill: undefined,
    reason: /no cache holder saves ≥ 2048 tokens of the 8000 uncached here/,
  },
  // A decode-role worker cannot prefill for a peer (not kv_both).
  {
    name: 'holder not kv_both: recompute',
    workers: [queued('h', { role: 'decode' }), idle('d')],
    held: { h: HELD_BLOCKS },
    decode: 'd',
    prefill: undefined,
    reason: /no cache holder saves/,
  },
  // Its last load report is 6 s old (limit 5 s): it may be gone.
  {
    name: 'holder silent: recompute',
    workers: [queued('h', { loadReportedAtMs: NOW_MS - 6000 }), idle('d')],
    held: { h: HELD_BLOCKS },
    decode: 'd',
    prefill: undefined,
    reason: /no cache holder saves/,
  },
  // Two holders: g holds less (400 blocks: 1,600 uncached) but has no backlog: 1,600 + 560 = 2,160 <
  // h's 2,880.
  {
    name: 'the cheapest holder is taken',
    workers: [queued('h'), queued('g'), idle('d')],
    held: { h: HELD_BLOCKS, g: 400 },
    pending: { h: 2000 },
    decode: 'd',
    prefill: 'g',
    reason: /holder g 2160 vs local 8000/,
  },
  // The mode off: llm-d's aggregated behaviour, the decode worker recomputes.
  {
    name: 'cacheHolderPrefill off: recompute',
    workers: [queued('h'), idle('d')],
    held: { h: HELD_BLOCKS },
    knobs: { on: false },
    decode: 'd',
    prefill: undefined,
    reason: /^no prefill profile configured$/,
  },
];

describe('pd-profile-handler, cache-holder prefill (aggregated kv_both fleet)', () => {
  for (const r of ROWS)
    it(r.name, () => {
      const index = new PrefixIndex();
      for (const [id, blocks] of Object.entries(r.held))
        index.applyEvents(id, 1, batch(stored(engineHashes(id, blocks), null, PROMPT.slice(0, blocks * 16))));
      const ledger = new InflightLedger();
      for (const [id, n] of Object.entries(r.pending ?? {})) ledger.assign(id, `queued-${id}`, n, 16, NOW_MS);
      const ctx = {
        nowMs: NOW_MS,
        workers: r.workers,
        state: { blockSize: 16, prefixIndex: index, inflight: ledger, prefillBacklog: new PrefillBacklog() },
        random: seededRandom(1),
      };
      const compiled = config(r.knobs);
      for (let i = 0; i < (r.earlier ?? 0); i++) {
        const before = schedule(
          request([...PROMPT.slice(0, 7680), ...tokens(320, 100_000 * (i + 1))], {}, { requestId: `e${i}` }),
          ctx,
          compiled,
        );
        assert.equal(before.prefill?.workerId, 'h', before.explanation.disaggregation);
      }
      const decision = schedule(request(PROMPT), ctx, compiled);
      assert.equal(decision.decode.workerId, r.decode, decision.explanation.disaggregation);
      assert.equal(decision.prefill?.workerId, r.prefill, decision.explanation.disaggregation);
      assert.match(decision.explanation.disaggregation, r.reason);
    });

  it('rejects a negative holderBias, naming the plugin and the field', () => {
    assert.throws(() => config({ holderBias: -1 }), /pd-profile-handler.*holderBias/);
  });
});

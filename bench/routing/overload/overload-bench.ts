// `npm run bench -- overload`: the mooncake-conversation fleet (8 × llama-3-8b-h100, atc routing) driven
// at multiples of its SLO capacity, with a mix of priorities from tenants of unequal rates, without flow
// control, with atc's flow control, and with llm-d's flow-control defaults. Per priority and per tenant:
// completed, rejected, TTFT percentiles and goodput. Then the fairness figure: two tenants, one sending
// 10× the other's tokens, both backlogged.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOptions } from '../../../shared/config/index.js';
import { seededRandom } from '../../../shared/scheduling/index.js';
import { PRIORITY_ORDER, type Priority } from '../../../shared/scheduling/flow-control/index.js';
import { latency, meetsSlo, type LatencyFigures } from '../harness/summary.js';
import type { RequestOutcome } from '../harness/run-record.js';
import { runVirtual } from '../harness/virtual-run.js';
import type { VirtualFlowControl } from '../harness/virtual-flow-control.js';
import type { PlannedRequest, Slo } from '../harness/workload.js';
import { mooncakeConversation } from '../scenarios/index.js';

/**
 * atc's SLO capacity on this workload, speed-up of the trace's rate: `npm run bench -- evaluate`, Mooncake
 * tuning window (0–5 min), median over seeds 1–3 (BENCHMARKS.md).
 */
export const MOONCAKE_ATC_CAPACITY = 3.38;

/** Request mix of the issue: 20% critical, 50% standard, 30% sheddable. */
const PRIORITY_MIX: ReadonlyArray<[Priority, number]> = [
  ['critical', 0.2],
  ['standard', 0.5],
  ['sheddable', 0.3],
];
/** Four tenants of unequal rates (shares of the requests). */
const TENANT_MIX: ReadonlyArray<[string, number]> = [
  ['tenant-a', 0.4],
  ['tenant-b', 0.3],
  ['tenant-c', 0.2],
  ['tenant-d', 0.1],
];

/** The arms compared: no flow control; atc's; llm-d's defaults where they differ from atc's. */
export const OVERLOAD_ARMS: Readonly<Record<string, VirtualFlowControl | undefined>> = {
  none: undefined,
  atc: { capacity: 'slo' },
  // llm-d-router flow control defaults (pkg/epp/flowcontrol registry/config.go and controller/config.go):
  // global-strict fairness with FCFS ordering (one arrival order within a band), 5,000 requests per band,
  // 60 s request TTL, the utilization saturation detector (queue depth 5, KV 0.8); priorities as bands.
  llmd: { capacity: 'utilization', options: { fairness: 'fcfs', budgetAwareWait: false, maxQueueWaitMs: 60_000, maxQueued: 15_000 } },
  // atc's flow control on 3 scheduler replicas, each with its own queue and in-flight ledger (picks dealt
  // to them in turn): the admission overshoot when replicas see each other's dispatches only in reports.
  'atc-3-replicas': { capacity: 'slo', replicas: 3 },
  // 3 replicas sharing one in-flight ledger (as if each heard the others' assignments at once): what an
  // assignment event between replicas would buy. Not built live (README, "Replicas").
  'atc-3-replicas-shared': { capacity: 'slo', replicas: 3, sharedLedger: true },
};

/** ms of engine TTFT (from dispatch) admission aims within: 0.4 of the 5 s budget (DEFAULT_ENGINE_SHARE). */
const ENGINE_TARGET_MS = 0.4 * 5000;

function pick<T>(mix: ReadonlyArray<[T, number]>, u: number): T {
  let acc = 0;
  for (const [v, share] of mix) if (u < (acc += share)) return v;
  return mix[mix.length - 1]![0];
}

export interface GroupFigures {
  readonly requests: number;
  readonly completed: number;
  readonly rejected: number;
  readonly failed: number;
  readonly ttft_ms: LatencyFigures;
  readonly goodput_per_s: number;
  readonly slo_attainment: number;
  /** ms from the run's first arrival to this group's first rejection; null when none was rejected. */
  readonly first_rejection_ms: number | null;
}

export interface OverloadRow {
  readonly arm: string;
  readonly load_x: number;
  readonly speedup: number;
  readonly total: GroupFigures;
  readonly by_priority: Record<string, GroupFigures>;
  readonly by_tenant: Record<string, GroupFigures>;
  /** Completed requests: TTFT from dispatch (time queued at the scheduler taken off), ms. */
  readonly engine_ttft_ms: LatencyFigures;
  /** Share of completed requests whose TTFT from dispatch exceeded admission's target (2 s): the overshoot. */
  readonly over_engine_target: number;
  readonly wall_s: number;
}

function figures(rs: readonly RequestOutcome[], slo: Slo, seconds: number, t0: number): GroupFigures {
  const ok = rs.filter((r) => !r.failed);
  const rejected = rs.filter((r) => r.failReason?.startsWith('rejected') === true);
  const good = rs.filter((r) => meetsSlo(r, slo)).length;
  const firstRejection = rejected.reduce((m, r) => Math.min(m, r.arrivalMs + r.e2eMs), Infinity);
  return {
    requests: rs.length,
    completed: ok.length,
    rejected: rejected.length,
    failed: rs.length - ok.length - rejected.length,
    ttft_ms: latency(ok.map((r) => r.ttftMs)),
    goodput_per_s: Number((good / seconds).toFixed(3)),
    slo_attainment: Number((rs.length > 0 ? good / rs.length : 0).toFixed(4)),
    first_rejection_ms: Number.isFinite(firstRejection) ? Math.round(firstRejection - t0) : null,
  };
}

/** The trace window at `speedup`, each request given a priority and a tenant (seeded). */
function overloadWorkload(
  seed: number,
  speedup: number,
  tenantMix: ReadonlyArray<[string, number]>,
  priorityMix: ReadonlyArray<[Priority, number]>,
) {
  const flags = parseOptions(mooncakeConversation.flags, [], {});
  const built = mooncakeConversation.build({ seed, flags, load: speedup });
  const random = seededRandom(seed ^ 0x0f10);
  const requests: PlannedRequest[] = built.workload.requests.map((r) => ({
    ...r,
    headers: { ...r.headers, 'x-atc-priority': pick(priorityMix, random()), 'x-atc-tenant': pick(tenantMix, random()) },
  }));
  return { workload: { ...built.workload, requests }, slo: built.slo, description: built.description };
}

const layoutFleet = () => mooncakeConversation.layouts(parseOptions(mooncakeConversation.flags, [], {}), false)[0]!.fleet;

export function runOverloadRow(arm: string, loadX: number, seed: number): OverloadRow {
  const speedup = Number((MOONCAKE_ATC_CAPACITY * loadX).toFixed(3));
  const { workload, slo } = overloadWorkload(seed, speedup, TENANT_MIX, PRIORITY_MIX);
  const arm0 = OVERLOAD_ARMS[arm];
  const waited = new Map<string, number>();
  const fc = arm0 !== undefined ? { ...arm0, onDispatch: (r: { id: string }, waitedMs: number) => waited.set(r.id, waitedMs) } : undefined;
  const run = runVirtual(workload, 'atc', layoutFleet(), { seed, ...(fc !== undefined ? { flowControl: fc } : {}) });
  const headers = new Map(workload.requests.map((r) => [r.id, r.headers!]));
  const rs = run.requests.filter((r) => !r.warmup);
  const t0 = rs.reduce((m, r) => Math.min(m, r.arrivalMs), Infinity);
  const end = rs.reduce((m, r) => Math.max(m, r.arrivalMs + r.e2eMs), -Infinity);
  const seconds = Math.max(1e-9, (end - t0) / 1000);
  const engineTtfts = rs.filter((r) => !r.failed).map((r) => r.ttftMs - (waited.get(r.id) ?? 0));
  const group = (key: string, value: string) => rs.filter((r) => headers.get(r.id)![key] === value);
  return {
    arm,
    load_x: loadX,
    speedup,
    total: figures(rs, slo, seconds, t0),
    by_priority: Object.fromEntries(PRIORITY_ORDER.map((p) => [p, figures(group('x-atc-priority', p), slo, seconds, t0)])),
    by_tenant: Object.fromEntries(TENANT_MIX.map(([t]) => [t, figures(group('x-atc-tenant', t), slo, seconds, t0)])),
    engine_ttft_ms: latency(engineTtfts),
    over_engine_target: Number(
      (engineTtfts.length > 0 ? engineTtfts.filter((x) => x > ENGINE_TARGET_MS).length / engineTtfts.length : 0).toFixed(4),
    ),
    wall_s: Number((run.wallMs / 1000).toFixed(2)),
  };
}

export interface FairnessFigure {
  readonly load_x: number;
  /** Demand: the heavy tenant's prompt + output tokens over the light one's. */
  readonly demand_ratio: number;
  /** Weighted tokens (input + 2 × output) dispatched while both tenants had queued work, per tenant. */
  readonly served_while_both_wait: Record<string, number>;
  /** The light tenant's share of those tokens (0.5 = equal). */
  readonly light_share: number;
  readonly dispatches_while_both_wait: number;
}

/** Two tenants, all standard; the heavy one sends 10/11 of the requests (~10× the tokens). */
export function runFairness(loadX: number, seed: number): FairnessFigure {
  const speedup = Number((MOONCAKE_ATC_CAPACITY * loadX).toFixed(3));
  const mix: ReadonlyArray<[string, number]> = [
    ['heavy', 10 / 11],
    ['light', 1 / 11],
  ];
  const { workload } = overloadWorkload(seed, speedup, mix, [['standard', 1]]);
  const demand: Record<string, number> = { heavy: 0, light: 0 };
  for (const r of workload.requests) demand[r.headers!['x-atc-tenant']!]! += r.prompt().length + r.maxTokens;
  const served: Record<string, number> = { heavy: 0, light: 0 };
  let dispatches = 0;
  runVirtual(workload, 'atc', layoutFleet(), {
    seed,
    flowControl: {
      capacity: 'slo',
      onDispatch: (r, _waited, backlogged) => {
        const other = r.flow.tenant === 'heavy' ? 'light' : 'heavy';
        if (!backlogged.includes(other)) return;
        served[r.flow.tenant]! += r.inputTokens + 2 * r.outputTokens;
        dispatches++;
      },
    },
  });
  const total = served['heavy']! + served['light']!;
  return {
    load_x: loadX,
    demand_ratio: Number((demand['heavy']! / demand['light']!).toFixed(2)),
    served_while_both_wait: served,
    light_share: Number((total > 0 ? served['light']! / total : 0).toFixed(4)),
    dispatches_while_both_wait: dispatches,
  };
}

export interface OverloadResults {
  readonly command: string;
  readonly seed: number;
  readonly capacity_speedup: number;
  readonly slo: { readonly ttft_ms: number };
  readonly rows: OverloadRow[];
  readonly fairness: FairnessFigure;
}

export function runOverloadBench(o: {
  command: string;
  seed: number;
  loads: readonly number[];
  arms: readonly string[];
  out: string;
  fairnessLoad: number;
  onRow?: (row: OverloadRow) => void;
}): OverloadResults {
  const rows: OverloadRow[] = [];
  for (const loadX of o.loads)
    for (const arm of o.arms) {
      const row = runOverloadRow(arm, loadX, o.seed);
      rows.push(row);
      o.onRow?.(row);
    }
  const results: OverloadResults = {
    command: o.command,
    seed: o.seed,
    capacity_speedup: MOONCAKE_ATC_CAPACITY,
    slo: { ttft_ms: 5000 },
    rows,
    fairness: runFairness(o.fairnessLoad, o.seed),
  };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(o.out, 'results.md'), overloadMarkdown(results));
  return results;
}

const s = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? '–' : (ms / 1000).toFixed(2));

export function overloadMarkdown(r: OverloadResults): string {
  const lines = [
    `\`${r.command}\` — seed ${r.seed}; load × atc's SLO capacity (speed-up ${r.capacity_speedup}); SLO TTFT ≤ ${r.slo.ttft_ms} ms; goodput: requests meeting the SLO per second`,
    '',
    '| load | flow control | goodput/s | done | rejected | engine TTFT p90 s | > 2 s from dispatch | critical TTFT p90 s | critical rejected | standard TTFT p90 s | standard rejected | sheddable rejected | first rejection s (crit / std / shed) | tenant goodput/s (a / b / c / d) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of r.rows) {
    const p = row.by_priority;
    const t = Object.values(row.by_tenant).map((g) => g.goodput_per_s.toFixed(2));
    lines.push(
      `| ${row.load_x}× | ${row.arm} | ${row.total.goodput_per_s.toFixed(2)} | ${row.total.completed} | ${row.total.rejected} | ${s(row.engine_ttft_ms.p90)} | ${(row.over_engine_target * 100).toFixed(1)}% | ${s(p['critical']!.ttft_ms.p90)} | ${p['critical']!.rejected} | ${s(p['standard']!.ttft_ms.p90)} | ${p['standard']!.rejected} | ${p['sheddable']!.rejected} | ${s(p['critical']!.first_rejection_ms)} / ${s(p['standard']!.first_rejection_ms)} / ${s(p['sheddable']!.first_rejection_ms)} | ${t.join(' / ')} |`,
    );
  }
  const f = r.fairness;
  lines.push(
    '',
    `Fairness at ${f.load_x}× capacity, two tenants, all standard, the heavy one sending ${f.demand_ratio}× the light one's tokens: while both had queued work, ${f.dispatches_while_both_wait} dispatches, the light tenant got ${(f.light_share * 100).toFixed(1)}% of the weighted tokens served (input + 2 × output; 50% = equal share).`,
    '',
  );
  return lines.join('\n');
}

// From the evaluation's capacities to the figures it reports: per workload and policy the median over
// seeds with its min–max spread, the best faithful baseline, atc's ratios to it and to `ideal`, and the
// verdict (a tie where atc's spread and the best baseline's overlap).
import { ATC_POLICY, FAITHFUL_BASELINES, IDEAL_POLICY } from '../harness/policies.js';
import type { GroupInfo, MatrixEntry, WorkloadGroup } from './matrix.js';

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface RatioFigures extends Spread {
  /**
   * 'win' / 'loss' where the two policies' spreads do not overlap and their medians differ by more than
   * the capacity search's resolution; else 'tie'.
   */
  readonly verdict: 'win' | 'tie' | 'loss';
}

/** The capacity search's relative resolution (capacity.ts): medians closer than this are not told apart. */
export const CAPACITY_RESOLUTION = 0.02;

export interface GroupSummary {
  readonly group: WorkloadGroup;
  /** Per policy: capacity per seed (a group of several entries: their mean), in seed order. */
  readonly bySeed: Readonly<Record<string, readonly number[]>>;
  readonly capacity: Readonly<Record<string, Spread>>;
  /** Median capacity / ideal's median capacity. */
  readonly shareOfIdeal: Readonly<Record<string, number>>;
  /** The faithful baseline with the highest median capacity. */
  readonly bestBaseline: string | null;
  /** atc / best baseline: the ratio of medians, its range over seeds, and the verdict. */
  readonly atcOverBest: RatioFigures | null;
  /** atc / ideal: the ratio of medians and its range over seeds. */
  readonly atcOverIdeal: Spread | null;
}

export function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n === 0 ? NaN : n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { median, min: s[0] ?? NaN, max: s[n - 1] ?? NaN };
}

/** Spreads overlap: neither lies wholly above the other. */
export function overlaps(a: Spread, b: Spread): boolean {
  return a.min <= b.max && b.min <= a.max;
}

function perSeedRatio(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x / b[i]!);
}

/**
 * capacities[entry name][policy] = capacity per seed. Entries of a group are averaged per seed.
 */
export function summarizeGroup(
  info: GroupInfo,
  entries: readonly MatrixEntry[],
  policies: readonly string[],
  capacities: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>,
): GroupSummary {
  const mine = entries.filter((e) => e.group === info.group);
  const bySeed: Record<string, number[]> = {};
  for (const p of policies) {
    const seeds = capacities[mine[0]!.name]?.[p]?.length ?? 0;
    bySeed[p] = Array.from({ length: seeds }, (_, s) => mine.reduce((sum, e) => sum + capacities[e.name]![p]![s]!, 0) / mine.length);
  }
  const capacity: Record<string, Spread> = Object.fromEntries(policies.map((p) => [p, spread(bySeed[p]!)]));
  const ideal = capacity[IDEAL_POLICY];
  const shareOfIdeal: Record<string, number> = Object.fromEntries(
    policies.map((p) => [p, ideal !== undefined ? capacity[p]!.median / ideal.median : NaN]),
  );
  const baselines = FAITHFUL_BASELINES.filter((b) => policies.includes(b));
  const bestBaseline =
    baselines.length > 0 ? baselines.reduce((best, b) => (capacity[b]!.median > capacity[best]!.median ? b : best)) : null;
  const atc = capacity[ATC_POLICY];
  let atcOverBest: RatioFigures | null = null;
  if (atc !== undefined && bestBaseline !== null) {
    const best = capacity[bestBaseline]!;
    const r = spread(perSeedRatio(bySeed[ATC_POLICY]!, bySeed[bestBaseline]!));
    const apart = !overlaps(atc, best) && Math.abs(atc.median / best.median - 1) > CAPACITY_RESOLUTION;
    const verdict = !apart ? 'tie' : atc.median > best.median ? 'win' : 'loss';
    atcOverBest = { ...r, median: atc.median / best.median, verdict };
  }
  let atcOverIdeal: Spread | null = null;
  if (atc !== undefined && ideal !== undefined)
    atcOverIdeal = { ...spread(perSeedRatio(bySeed[ATC_POLICY]!, bySeed[IDEAL_POLICY]!)), median: atc.median / ideal.median };
  return { group: info.group, bySeed, capacity, shareOfIdeal, bestBaseline, atcOverBest, atcOverIdeal };
}

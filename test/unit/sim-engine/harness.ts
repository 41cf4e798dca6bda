// Virtual-time helpers for the simulated-engine tests.
import { VirtualClock } from '../../../shared/clock/index.js';
import type { CoreFinish, CoreRequest, SimEngineCoreOptions } from '../../../shared/engine/sim/index.js';
import { SimEngineCore } from '../../../shared/engine/sim/index.js';
import type { EngineOutput, KvCacheEvent } from '../../../shared/engine/types.js';
import { parsePrometheusText, type MetricFamily } from '../../../shared/prometheus/index.js';

export interface Harness {
  readonly clock: VirtualClock;
  readonly core: SimEngineCore;
  readonly events: KvCacheEvent[];
  readonly finished: Map<string, CoreFinish>;
  readonly tokens: Map<string, number[]>;
  /** Submits now; results land in finished/tokens as the clock runs. */
  submit(req: CoreRequest): void;
  /** Submits at an absolute virtual time. */
  submitAt(tMs: number, req: CoreRequest): void;
}

export function harness(options: Omit<SimEngineCoreOptions, 'clock'> = {}): Harness {
  const clock = new VirtualClock();
  const core = new SimEngineCore({ ...options, clock });
  const events: KvCacheEvent[] = [];
  core.onKvEvents((batch) => events.push(...batch.events));
  const finished = new Map<string, CoreFinish>();
  const tokens = new Map<string, number[]>();
  const submit = (req: CoreRequest): void => {
    tokens.set(req.requestId, []);
    core.submit(req, {
      onTokens: (ids) => tokens.get(req.requestId)!.push(...ids),
      onFinish: (f) => finished.set(req.requestId, f),
    });
  };
  return {
    clock,
    core,
    events,
    finished,
    tokens,
    submit,
    submitAt: (tMs, req) => {
      clock.setTimer(tMs - clock.now(), () => submit(req));
    },
  };
}

/** The engine's vLLM /metrics, rendered by its registry and read back by the text parser. */
export async function scrapeVllmMetrics(core: SimEngineCore): Promise<MetricFamily[]> {
  const registry = core.vllmMetrics();
  if (registry === undefined) throw new Error('engine created with vllmMetrics: false');
  return parsePrometheusText(await registry.metrics());
}

/** n distinct token ids starting at `from` (all inside the tokenizer vocabulary). */
export function tokenRange(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

export async function collect(outputs: AsyncIterable<EngineOutput>): Promise<EngineOutput[]> {
  const out: EngineOutput[] = [];
  for await (const o of outputs) out.push(o);
  return out;
}

export function finishOf(outputs: readonly EngineOutput[]): Extract<EngineOutput, { type: 'finished' }> {
  const last = outputs[outputs.length - 1];
  if (last === undefined || last.type !== 'finished') throw new Error('no finished output');
  return last;
}

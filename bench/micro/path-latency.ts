// What llm-atc adds to a request's latency, measured side by side in one run: the same one-token
// completions sent through the ingress (picking in its own process, or asking a scheduler replica over
// NATS: --scheduler) -> decode worker (every service its own process, real NATS) and straight to the simulated engine's own vLLM-compatible HTTP server (services/vllm-sim, the
// same engine profile), alternating request by request so both paths see the same machine. Added latency
// = through − direct, per percentile. With ATC_HOP_TIMING=1 in the services' environment (set here) every
// hop is stamped (shared/telemetry/hop-timing.ts), which gives the per-hop breakdown.
//
// Throughput mode (--throughput): open-loop arrivals at rising rates against each path; the highest rate
// at which the through path's p99 stays within 10 ms of the direct path's p99 at the same rate, and the
// highest rate the direct path sustains (its p99 within 10 ms of its own quiet p99); rates rise until
// a path saturates (two steps in a row over 3× the limit).
import { request as httpRequest, Agent } from 'node:http';
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { LocalCluster } from '../../shared/cluster/local-cluster.js';
import { freePort } from '../../shared/nats/index.js';
import { HOP_HTTP_HEADER, hopNow, type HopStamps } from '../../shared/telemetry/hop-timing.js';
import { summarize, type Summary } from '../stats.js';

export interface PathLatencyOptions {
  readonly requests: number;
  readonly warmup: number;
  /** nats-server binary (--nats-server); default: on PATH. */
  readonly natsServer?: string;
  /** Where the ingress picks (its --scheduler): a scheduler replica over NATS (the default here) or in-process (the CLI's). */
  readonly scheduler?: 'nats' | 'in-process';
  /** Workers offer direct connections and the ingress uses them (default true, as npm start). */
  readonly direct?: boolean;
  /** Also run the throughput search. */
  readonly throughput?: boolean;
  /** Seconds of arrivals per rate step in the throughput search. */
  readonly stepSeconds?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One hop of the breakdown: the span between two stamps, with what it covers. */
export interface HopSegment {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly ms: Summary;
}

export interface ThroughputStep {
  readonly ratePerS: number;
  readonly stream: boolean;
  readonly throughP99Ms: number;
  readonly directP99Ms: number;
  readonly addedP99Ms: number;
  readonly failures: number;
}

export interface PathLatencyResult {
  /** Client time through llm-atc, ms. */
  readonly throughMs: Summary;
  /** Client time straight to the engine's own server, ms. */
  readonly directMs: Summary;
  /** through − direct at each percentile, ms. */
  readonly added: { readonly p50: number; readonly p90: number; readonly p99: number; readonly mean: number };
  /** Client time − the engine's reported TTFT on the through path (the earlier single-path measure), ms. */
  readonly throughMinusEngineTtftMs: Summary;
  readonly breakdown: readonly HopSegment[];
  /**
   * The floor any brokered path pays on this machine: a bare NATS request-reply (600 bytes) between this
   * process and a responder process, each request after an idle gap as long as the engine's TTFT, ms.
   */
  readonly natsRoundTripMs: Summary;
  readonly throughput?: {
    readonly steps: readonly ThroughputStep[];
    /** Highest rate (req/s) with through p99 − direct p99 < 10 ms, per mode. */
    readonly throughRate: { readonly nonStreaming: number; readonly streaming: number };
    /** Highest rate the direct path sustains (p99 within 10 ms of its quiet p99), per mode. */
    readonly directRate: { readonly nonStreaming: number; readonly streaming: number };
  };
}

const MODEL = 'llama-3-8b';
/** A step whose added p99 exceeds this many times the limit counts toward saturation. */
const SATURATED_FACTOR = 3;
/** Added p99 a sustained rate may show, ms (the issue's throughput criterion). */
const ADDED_P99_LIMIT_MS = 10;

/** Stamps in path order: [stamp, the hop that ends at it]. 'clientSent'/'clientDone' are the bench's own. */
const HOPS: ReadonlyArray<readonly [string, string]> = [
  ['httpIn', 'client send + HTTP parse (to the ingress handler)'],
  ['bodyRead', 'ingress: read the body'],
  ['prepared', 'ingress: JSON parse + validate + model check'],
  ['pickSent', 'ingress: span, logger'],
  ['schedulerReceived', 'NATS: pick encode + request to the scheduler'],
  ['schedulerReplied', 'scheduler: decode, tokenize, decide, encode'],
  ['pickReply', 'NATS: pick reply to the ingress'],
  ['generateSent', 'ingress: dispatch span, inbox, generate encode'],
  ['workerReceived', 'NATS: generate request to the worker'],
  ['workerAccepted', 'worker: decode, validate'],
  ['engineSubmit', 'worker: accept reply, span, timers'],
  ['engineFirstToken', "engine: tokenize + admission + first step (incl. the engine's own TTFT)"],
  ['finishedSent', 'worker: publish tokens + finished'],
  ['finishedReceived', 'NATS: stream to the ingress'],
  ['respond', 'ingress: build the response'],
  ['clientDone', 'HTTP write + client read'],
];

interface Sample {
  readonly ms: number;
  readonly engineTtftMs: number;
  readonly hops: HopStamps;
}

/** One keep-alive agent per path, as a client library would hold. */
function post(agent: Agent, port: number, body: string, stream: boolean): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const clientSent = hopNow();
    const req = httpRequest(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/completions', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          const ms = performance.now() - t0;
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} from port ${port}`));
          let hops: HopStamps = {};
          const raw = res.headers[HOP_HTTP_HEADER];
          if (typeof raw === 'string') hops = { clientSent, ...(JSON.parse(raw) as HopStamps), clientDone: clientSent + ms };
          resolve({ ms, engineTtftMs: Number(res.headers['x-atc-engine-ttft-ms'] ?? NaN), hops });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ model: MODEL, prompt: body, max_tokens: 1, ...(stream ? { stream: true } : {}) }));
  });
}

async function waitHttp(port: number, deadlineMs: number): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadlineMs) throw new Error(`vllm-sim on port ${port} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The hop between these stamps when the pick is made in the ingress (no scheduler stamps). */
const IN_PROCESS_PICK = 'ingress: in-process pick (checks, flow control, decide)';

function breakdownOf(samples: readonly Sample[]): HopSegment[] {
  const out: HopSegment[] = [];
  let from = 'clientSent';
  for (const [to, name] of HOPS) {
    // A stamp no sample has (the scheduler's, when picks are in-process): the hop runs on to the next one.
    if (!samples.some((s) => s.hops[to] !== undefined)) continue;
    const spans = samples.filter((s) => s.hops[from] !== undefined && s.hops[to] !== undefined).map((s) => s.hops[to]! - s.hops[from]!);
    const label = from === 'pickSent' && to === 'pickReply' ? IN_PROCESS_PICK : name;
    if (spans.length > 0) out.push({ name: label, from, to, ms: summarize(spans) });
    from = to;
  }
  // The engine hop split: its own TTFT (admission wait, then the first step) and what lies outside it.
  const engine = samples.filter((s) => s.hops['engineTtftMs'] !== undefined && s.hops['engineFirstToken'] !== undefined);
  const derived: Array<[string, (s: Sample) => number]> = [
    ["  of which the engine's admission wait (queuedMs)", (s) => s.hops['engineQueuedMs']!],
    ["  of which the engine's own TTFT (arrival to first token)", (s) => s.hops['engineTtftMs']!],
    [
      '  of which outside the engine TTFT (tokenize, output channel)',
      (s) => s.hops['engineFirstToken']! - s.hops['engineSubmit']! - s.hops['engineTtftMs']!,
    ],
  ];
  const at = out.findIndex((h) => h.to === 'engineFirstToken') + 1;
  if (engine.length > 0 && at > 0)
    out.splice(
      at,
      0,
      ...derived.map(([name, f]) => ({ name, from: 'engineSubmit', to: 'engineFirstToken', ms: summarize(engine.map(f)) })),
    );
  return out;
}

export async function runPathLatencyBench(opts: PathLatencyOptions): Promise<PathLatencyResult> {
  const log = opts.log ?? (() => undefined);
  const cluster = new LocalCluster({
    httpPort: await freePort(),
    decodeWorkers: 2,
    prefillWorkers: 0,
    schedulers: opts.scheduler === 'in-process' ? 0 : 1,
    inProcessPicks: opts.scheduler === 'in-process',
    directConnections: opts.direct !== false,
    model: MODEL,
    env: { ATC_LOG_LEVEL: 'warn', ATC_HOP_TIMING: '1' },
    ...(opts.natsServer ? { natsServer: opts.natsServer } : {}),
  });
  const through = new Agent({ keepAlive: true, maxSockets: 256 });
  const direct = new Agent({ keepAlive: true, maxSockets: 256 });
  try {
    await cluster.start();
    // The direct path: two engines (as the cluster has two workers), each its own vllm-sim process.
    const directPorts = [await freePort(), await freePort()];
    directPorts.forEach((port, i) =>
      cluster.spawn(`vllm-direct-${i + 1}`, 'vllm-sim', ['--port', String(port), '--served-model-name', MODEL, '--seed', String(i + 1)]),
    );
    await cluster.waitReady(60_000);
    for (const port of directPorts) await waitHttp(port, Date.now() + 30_000);
    const atcPort = cluster.options.httpPort;

    const thr: Sample[] = [];
    const dir: Sample[] = [];
    for (let i = 0; i < opts.warmup + opts.requests; i++) {
      const prompt = `request ${i}: what is the weather like today?`;
      // Alternate which path goes first, so neither always follows the other's wake-ups.
      const order = i % 2 === 0 ? (['through', 'direct'] as const) : (['direct', 'through'] as const);
      for (const path of order) {
        const s =
          path === 'through'
            ? await post(through, atcPort, prompt, false)
            : await post(direct, directPorts[Math.floor(i / 2) % 2]!, prompt, false);
        if (i >= opts.warmup) (path === 'through' ? thr : dir).push(s);
      }
    }
    const natsRoundTripMs = await natsFloor(cluster, summarize(thr.map((s) => s.engineTtftMs)).p50, opts.requests);
    const throughMs = summarize(thr.map((s) => s.ms));
    const directMs = summarize(dir.map((s) => s.ms));
    const result: PathLatencyResult = {
      throughMs,
      directMs,
      added: {
        p50: throughMs.p50 - directMs.p50,
        p90: throughMs.p90 - directMs.p90,
        p99: throughMs.p99 - directMs.p99,
        mean: throughMs.mean - directMs.mean,
      },
      throughMinusEngineTtftMs: summarize(thr.map((s) => s.ms - s.engineTtftMs)),
      breakdown: breakdownOf(thr),
      natsRoundTripMs,
    };
    if (!opts.throughput) return result;
    return { ...result, throughput: await throughputSearch(atcPort, directPorts, through, direct, opts.stepSeconds ?? 5, log) };
  } finally {
    through.destroy();
    direct.destroy();
    await cluster.stop();
  }
}

/**
 * A NATS request-reply between this process and a bare responder process (bench/micro/nats-echo.ts),
 * `idleMs` apart: what two brokered hops cost here when the processes wake from idle, as the through
 * path's do after the engine's TTFT (its generate request out, its result back).
 */
async function natsFloor(cluster: LocalCluster, idleMs: number, requests: number): Promise<Summary> {
  const subject = 'atc.bench.echo';
  const options = cluster.natsConnectOptions('admin');
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'nats-echo.js'), [], {
    env: { ...process.env, ATC_ECHO_SUBJECT: subject },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const nc = await connect(options);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the NATS echo process exited (${code})`)));
      child.send(options);
    });
    const payload = new Uint8Array(600);
    const times: number[] = [];
    for (let i = 0; i < 30 + requests; i++) {
      await new Promise((r) => setTimeout(r, idleMs));
      const t0 = performance.now();
      await nc.request(subject, payload, { timeout: 5_000 });
      if (i >= 30) times.push(performance.now() - t0);
    }
    return summarize(times);
  } finally {
    await nc.close();
    child.disconnect();
  }
}

/** Open-loop arrivals at `ratePerS` for `seconds` against one path; client times in ms and failures. */
async function openLoop(
  ratePerS: number,
  seconds: number,
  send: (i: number) => Promise<Sample>,
): Promise<{ times: number[]; failures: number }> {
  const n = Math.max(1, Math.round(ratePerS * seconds));
  const times: number[] = [];
  let failures = 0;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    // Evenly spaced arrivals (deterministic): the schedule, not the responses, sets the pace.
    const due = start + (i * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      send(i).then(
        (s) => void times.push(s.ms),
        () => void failures++,
      ),
    );
  }
  await Promise.all(pending);
  return { times, failures };
}

async function throughputSearch(
  atcPort: number,
  directPorts: readonly number[],
  throughAgent: Agent,
  directAgent: Agent,
  stepSeconds: number,
  log: (line: string) => void,
): Promise<NonNullable<PathLatencyResult['throughput']>> {
  const steps: ThroughputStep[] = [];
  const throughRate = { nonStreaming: 0, streaming: 0 };
  const directRate = { nonStreaming: 0, streaming: 0 };
  for (const stream of [false, true]) {
    const mode = stream ? 'streaming' : 'nonStreaming';
    let quietDirectP99: number | undefined;
    // Rates keep rising until a path saturates: two steps in a row over 3× the limit (or with failures).
    // Below that a step's p99 rests on a few slow requests (5 s at 35/s is 175 samples, p99 its 2nd
    // slowest) and, at low rates, on processes waking from idle; such a miss is listed, not taken as
    // the path's limit. The sustained rate is the highest rate that met the limit.
    let throughMisses = 0;
    let directMisses = 0;
    for (let rate = 10; throughMisses < 2 || directMisses < 2; rate = Math.round(rate * 1.5)) {
      const prompt = (i: number) => `rate ${rate} request ${i}: what is the weather like today?`;
      // A path that has saturated is not driven further (its queues would only slow the other's steps);
      // the through path is judged against the direct path's p99 at the same rate, so direct keeps running.
      const t = throughMisses < 2 ? await openLoop(rate, stepSeconds, (i) => post(throughAgent, atcPort, prompt(i), stream)) : undefined;
      const d = await openLoop(rate, stepSeconds, (i) => post(directAgent, directPorts[i % directPorts.length]!, prompt(i), stream));
      const tp = t !== undefined ? summarize(t.times).p99 : Number.NaN;
      const dp = summarize(d.times).p99;
      quietDirectP99 ??= dp;
      const step = {
        ratePerS: rate,
        stream,
        throughP99Ms: tp,
        directP99Ms: dp,
        addedP99Ms: tp - dp,
        failures: (t?.failures ?? 0) + d.failures,
      };
      steps.push(step);
      log(
        `  ${stream ? 'stream    ' : 'non-stream'} ${String(rate).padStart(5)}/s: ${t !== undefined ? `through p99 ${tp.toFixed(2)} ms, ` : 'through saturated (not driven), '}direct p99 ${dp.toFixed(2)} ms${t !== undefined ? `, added ${(tp - dp).toFixed(2)} ms` : ''}, failures ${step.failures}`,
      );
      const directPass = d.failures === 0 && dp - quietDirectP99 < ADDED_P99_LIMIT_MS;
      if (directMisses < 2) {
        const saturated = d.failures > 0 || dp - quietDirectP99 > SATURATED_FACTOR * ADDED_P99_LIMIT_MS;
        directMisses = saturated ? directMisses + 1 : 0;
        if (directPass) directRate[mode] = rate;
      }
      // A saturated engine makes both paths slow alike: a rate counts for llm-atc only while the engines keep up.
      if (throughMisses < 2) {
        const throughFailures = t?.failures ?? 0;
        const throughPass = directPass && throughFailures === 0 && tp - dp < ADDED_P99_LIMIT_MS;
        const saturated = directMisses > 0 || throughFailures > 0 || tp - dp > SATURATED_FACTOR * ADDED_P99_LIMIT_MS;
        throughMisses = saturated ? throughMisses + 1 : 0;
        if (throughPass) throughRate[mode] = rate;
      }
      if (rate > 5000) break;
    }
  }
  return { steps, throughRate, directRate };
}

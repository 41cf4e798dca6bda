// The options of a worker process (decode-worker, prefill-worker): declared once, parsed at start-up.
import { hostname } from 'node:os';
import {
  MAX_TIMER_MS,
  logLevelOption,
  metricsHostOption,
  metricsPortOption,
  modelOption,
  natsCredentialOptions,
  natsUrlOption,
  option,
  tokenizerPathOption,
  workerTtlMsOption,
  kvReplicasOption,
} from '../../shared/config/index.js';
import { DEFAULT_PROFILE_NAME, ENGINE_PROFILES } from '../../shared/engine/sim/index.js';
import type { WorkerRole } from '../../shared/protocol/index.js';
import { DEFAULT_HANDOFF_TTL_MS } from './kv-handoff.js';
import { DEFAULT_PREFILL_TIMEOUT_MS } from './worker-runtime.js';

export function workerOptions(defaultRole: WorkerRole) {
  return {
    natsUrl: natsUrlOption,
    ...natsCredentialOptions,
    logLevel: logLevelOption,
    metricsPort: metricsPortOption,
    metricsHost: metricsHostOption,
    model: modelOption,
    workerId: option.string({
      flag: 'worker-id',
      env: 'ATC_WORKER_ID',
      doc: 'unique worker id (letters, digits, _ and -)',
      default: `${defaultRole}-${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`,
      defaultDoc: `${defaultRole}-<host>-<pid>`,
    }),
    role: option.choice({
      flag: 'role',
      env: 'ATC_WORKER_ROLE',
      choices: ['decode', 'prefill', 'both'],
      default: defaultRole,
      doc: 'what the worker serves',
    }),
    engine: option.choice({
      flag: 'engine',
      env: 'ATC_ENGINE',
      choices: ['auto', 'sim', 'vllm'],
      default: 'auto',
      doc: 'sim (built-in simulated engine), vllm, or auto: vllm when --vllm-url is given, else sim',
    }),
    profile: option.choice({
      flag: 'profile',
      env: 'ATC_SIM_PROFILE',
      choices: Object.keys(ENGINE_PROFILES),
      default: DEFAULT_PROFILE_NAME,
      doc: 'simulated engine latency profile',
    }),
    vllmUrl: option.string({
      flag: 'vllm-url',
      env: 'ATC_VLLM_URL',
      default: '',
      doc: 'base URL of the vLLM server to front, e.g. http://127.0.0.1:8000',
    }),
    vllmKvEvents: option.string({
      flag: 'vllm-kv-events',
      env: 'ATC_VLLM_KV_EVENTS',
      default: '',
      doc: "vLLM's ZMQ KV-events endpoint, e.g. tcp://127.0.0.1:5557 (empty: none)",
    }),
    seed: option.integer({ flag: 'seed', env: 'ATC_SEED', min: 0, default: 0, doc: 'simulated engine seed' }),
    kvOffloadingSize: option.number({
      flag: 'kv-offloading-size',
      env: 'ATC_KV_OFFLOADING_SIZE',
      min: 0,
      default: 0,
      doc: "simulated engine: host memory for vLLM's native CPU KV offloading, GiB (vLLM's --kv-offloading-size; 0: none)",
    }),
    loadReportMs: option.integer({
      flag: 'load-report-ms',
      env: 'ATC_LOAD_REPORT_MS',
      min: 10,
      max: MAX_TIMER_MS,
      default: 250,
      doc: 'ms between load reports',
    }),
    workerTtlMs: workerTtlMsOption,
    kvReplicas: kvReplicasOption,
    prefillTimeoutMs: option.integer({
      flag: 'prefill-timeout-ms',
      env: 'ATC_PREFILL_TIMEOUT_MS',
      min: 1,
      max: MAX_TIMER_MS,
      default: DEFAULT_PREFILL_TIMEOUT_MS,
      doc: 'ms a decode worker waits for a remote prefill before prefilling locally',
    }),
    kvHandoffTtlMs: option.integer({
      flag: 'kv-handoff-ttl-ms',
      env: 'ATC_KV_HANDOFF_TTL_MS',
      min: 1000,
      max: MAX_TIMER_MS,
      default: DEFAULT_HANDOFF_TTL_MS,
      doc: "ms a prefill's KV handoff record lives if no decode worker takes it (the bucket's creator sets it)",
    }),
    tokenizerPath: tokenizerPathOption,
    directListen: option.string({
      flag: 'direct-listen',
      env: 'ATC_DIRECT_LISTEN',
      default: '',
      doc: 'host:port of a direct connection for generate requests and their streams, no broker between ingress and worker (port 0: any free port; empty: NATS only). Plain TCP: loopback or a private network',
    }),
    directAdvertise: option.string({
      flag: 'direct-advertise',
      env: 'ATC_DIRECT_ADVERTISE',
      default: '',
      doc: 'host the ingress connects to for --direct-listen (default: its host; needed with 0.0.0.0)',
    }),
  };
}

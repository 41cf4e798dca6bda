// The command-line entry of a worker process (decode-worker and prefill-worker differ only in role).
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import {
  closeOnSignals, exitOnStartupError, logLevelOption, metricsHostOption, metricsPortOption, modelOption, natsUrlOption, parseChoice,
  parseInteger, parseOptions, parseString,
} from '../config/index.js';
import { createEngine } from '../engine/factory.js';
import type { EngineKind } from '../engine/types.js';
import { assertWorkerId, type WorkerRole } from '../protocol/index.js';
import { createLogger, initTracing, startMetricsServer } from '../telemetry/index.js';
import { promptTokenizer } from '../tokenizer/index.js';
import { WorkerRuntime } from './worker-runtime.js';

function workerOptions(defaultRole: WorkerRole) {
  return {
    natsUrl: natsUrlOption,
    logLevel: logLevelOption,
    metricsPort: metricsPortOption,
    metricsHost: metricsHostOption,
    model: modelOption,
    workerId: {
      flag: 'worker-id', env: 'ATC_WORKER_ID', doc: 'unique worker id (letters, digits, _ and -)',
      default: `${defaultRole}-${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`, parse: parseString,
    },
    role: { flag: 'role', env: 'ATC_WORKER_ROLE', doc: 'decode, prefill or both', default: defaultRole, parse: parseChoice<WorkerRole>(['decode', 'prefill', 'both']) },
    engine: {
      flag: 'engine', env: 'ATC_ENGINE', doc: 'sim (built-in simulated engine), vllm, or auto: vllm when --vllm-url is given, else sim',
      default: 'auto' as EngineKind | 'auto', parse: parseChoice<EngineKind | 'auto'>(['auto', 'sim', 'vllm']),
    },
    profile: { flag: 'profile', env: 'ATC_SIM_PROFILE', doc: 'simulated engine latency profile', default: 'llama-3-8b-h100', parse: parseString },
    vllmUrl: { flag: 'vllm-url', env: 'ATC_VLLM_URL', doc: 'base URL of the vLLM server to front, e.g. http://127.0.0.1:8000', default: '', parse: parseString },
    vllmKvEvents: { flag: 'vllm-kv-events', env: 'ATC_VLLM_KV_EVENTS', doc: "vLLM's ZMQ KV-events endpoint, e.g. tcp://127.0.0.1:5557 (empty: none)", default: '', parse: parseString },
    seed: { flag: 'seed', env: 'ATC_SEED', doc: 'simulated engine seed', default: 0, parse: parseInteger(0) },
    loadReportMs: { flag: 'load-report-ms', env: 'ATC_LOAD_REPORT_MS', doc: 'ms between load reports', default: 250, parse: parseInteger(10) },
  };
}

export async function runWorkerMain(defaultRole: WorkerRole): Promise<void> {
  const service = `${defaultRole}-worker`;
  let opts;
  try {
    opts = parseOptions(workerOptions(defaultRole));
    assertWorkerId(opts.workerId);
  } catch (err) {
    exitOnStartupError(service, err);
  }
  const logger = createLogger(service, opts.logLevel, { workerId: opts.workerId });
  try {
    const tracing = initTracing(service, { logger, resourceAttributes: { 'service.instance.id': opts.workerId } });
    const registry = new Registry();
    if (opts.engine !== 'vllm' && !opts.vllmUrl) logger.info({ tokenizer: promptTokenizer().name }, 'prompt tokenizer');
    const kind: EngineKind = opts.engine === 'auto' ? (opts.vllmUrl ? 'vllm' : 'sim') : opts.engine;
    if (kind === 'vllm' && !opts.vllmUrl) throw new Error('--engine vllm needs --vllm-url (ATC_VLLM_URL)');
    const engine = createEngine({
      kind, model: opts.model, profile: opts.profile, vllmUrl: opts.vllmUrl, vllmKvEventsEndpoint: opts.vllmKvEvents,
      seed: opts.seed, engineId: opts.workerId,
    });
    const runtime = await WorkerRuntime.start({
      workerId: opts.workerId, role: opts.role, natsUrl: opts.natsUrl, engine, logger, loadReportMs: opts.loadReportMs, registry,
    });
    const metricsServer = await startMetricsServer(opts.metricsPort, opts.metricsHost, registry);
    logger.info({ metricsPort: metricsServer.port, tracing: tracing.enabled }, 'metrics endpoint ready');
    closeOnSignals(async () => {
      await runtime.close();
      await metricsServer.close();
      await tracing.shutdown();
    }, logger);
  } catch (err) {
    exitOnStartupError(service, err);
  }
}

// The command-line entry of a worker process (decode-worker and prefill-worker differ only in role).
import { Registry } from 'prom-client';
import { closeOnSignals, exitOnStartupError, optionsOrExit } from '../../shared/config/index.js';
import { createEngine } from '../../shared/engine/factory.js';
import type { EngineKind } from '../../shared/engine/types.js';
import { assertWorkerId, type WorkerRole } from '../../shared/protocol/index.js';
import { createLogger, initTracing, startMetricsServer } from '../../shared/telemetry/index.js';
import { promptTokenizer, usePromptTokenizerAt } from '../../shared/tokenizer/index.js';
import { workerOptions } from './worker-options.js';
import { WorkerRuntime } from './worker-runtime.js';

export async function runWorkerMain(defaultRole: WorkerRole, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const service = `${defaultRole}-worker`;
  const opts = optionsOrExit(service, workerOptions(defaultRole), argv, env);
  try {
    assertWorkerId(opts.workerId);
    if (opts.engine === 'vllm' && !opts.vllmUrl) throw new Error('--engine vllm needs --vllm-url (ATC_VLLM_URL)');
    usePromptTokenizerAt(opts.tokenizerPath);
  } catch (err) {
    exitOnStartupError(service, err);
  }
  const logger = createLogger(service, opts.logLevel, { workerId: opts.workerId });
  try {
    const tracing = initTracing(service, { logger, resourceAttributes: { 'service.instance.id': opts.workerId } });
    const registry = new Registry();
    const kind: EngineKind = opts.engine === 'auto' ? (opts.vllmUrl ? 'vllm' : 'sim') : opts.engine;
    if (kind === 'sim') logger.info({ tokenizer: promptTokenizer().name }, 'prompt tokenizer');
    const engine = createEngine({
      kind,
      model: opts.model,
      profile: opts.profile,
      vllmUrl: opts.vllmUrl,
      vllmKvEventsEndpoint: opts.vllmKvEvents,
      seed: opts.seed,
      engineId: opts.workerId,
      kvOffloadingGib: opts.kvOffloadingSize,
    });
    if (opts.kvOffloadingSize > 0 && kind !== 'sim')
      logger.warn('--kv-offloading-size applies to the simulated engine; give vLLM its own --kv-offloading-size');
    const runtime = await WorkerRuntime.start({
      workerId: opts.workerId,
      role: opts.role,
      natsUrl: opts.natsUrl,
      natsCredentials: opts,
      engine,
      logger,
      loadReportMs: opts.loadReportMs,
      registry,
      workerTtlMs: opts.workerTtlMs,
      kvReplicas: opts.kvReplicas,
      prefillTimeoutMs: opts.prefillTimeoutMs,
      kvHandoffTtlMs: opts.kvHandoffTtlMs,
      ...(opts.directListen !== ''
        ? { direct: { listen: opts.directListen, ...(opts.directAdvertise !== '' ? { advertiseHost: opts.directAdvertise } : {}) } }
        : {}),
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

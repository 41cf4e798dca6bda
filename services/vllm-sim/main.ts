// The vllm-sim process: a SimEngine behind vLLM's own HTTP and ZMQ surfaces.
//   node dist/services/vllm-sim/main.js --port 8000 --kv-events-endpoint tcp://127.0.0.1:5557
import { exitOnStartupError } from '../../shared/config/index.js';
import { SimEngine, resolveProfile } from '../../shared/engine/sim/index.js';
import { usePromptTokenizerAt } from '../../shared/tokenizer/index.js';
import { parseVllmSimCli, type VllmSimCliOptions } from './cli-options.js';
import { startVllmServer } from './server.js';

async function main(cli: VllmSimCliOptions): Promise<void> {
  const profile = resolveProfile(cli.profile);
  const engine = new SimEngine({ profile, seed: cli.seed, ...(cli.model ? { model: cli.model } : {}) });
  await engine.start();
  const server = await startVllmServer({
    engine,
    port: cli.port,
    host: cli.host,
    maxModelLen: cli.maxModelLen ?? profile.model.maxModelLen,
    ...(cli.kvEventsEndpoint ? { kvEventsEndpoint: cli.kvEventsEndpoint, kvEventsTopic: cli.kvEventsTopic } : {}),
  });
  // One JSON line, so a parent process (or a test) can read where we listen.
  process.stdout.write(
    `${JSON.stringify({ msg: 'vllm-sim listening', url: server.url, model: engine.model, kvEventsPort: server.kvEventsPort ?? null })}\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server
      .close()
      .then(() => engine.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

let cli: VllmSimCliOptions;
try {
  cli = parseVllmSimCli(process.argv.slice(2), process.env);
  usePromptTokenizerAt(cli.tokenizer);
} catch (err) {
  exitOnStartupError('vllm-sim', err);
}
main(cli).catch((error: unknown) => {
  process.stderr.write(`vllm-sim failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

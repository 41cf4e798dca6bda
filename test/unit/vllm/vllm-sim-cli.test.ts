import assert from 'node:assert/strict';
import { parseVllmSimCli } from '../../../services/vllm-sim/index.js';

describe('vllm-sim command line', () => {
  const rows: Array<{ name: string; argv: string[]; env?: Record<string, string>; expected: Record<string, unknown> }> = [
    // vLLM's defaults: port 8000, no KV events, topic ''.
    { name: 'defaults', argv: [], expected: { port: 8000, host: '127.0.0.1', kvEventsEndpoint: '', kvEventsTopic: '', seed: 0 } },
    {
      name: 'explicit flags',
      argv: ['--port', '9000', '--kv-events-endpoint', 'tcp://127.0.0.1:5557', '--served-model-name', 'm', '--max-model-len', '4096'],
      expected: { port: 9000, kvEventsEndpoint: 'tcp://127.0.0.1:5557', model: 'm', maxModelLen: 4096 },
    },
    {
      // The exact flag a real vLLM takes.
      name: "vLLM's --kv-events-config",
      argv: ['--kv-events-config', '{"enable_kv_cache_events":true,"publisher":"zmq","endpoint":"tcp://*:5557","topic":"kv-events"}'],
      expected: { kvEventsEndpoint: 'tcp://*:5557', kvEventsTopic: 'kv-events' },
    },
    {
      name: 'events disabled in the config',
      argv: ['--kv-events-config', '{"enable_kv_cache_events":false}'],
      expected: { kvEventsEndpoint: '' },
    },
    {
      name: 'environment',
      argv: [],
      env: { VLLM_SIM_PORT: '8100', VLLM_SIM_PROFILE: 'qwen3-32b-2xh100' },
      expected: { port: 8100, profile: 'qwen3-32b-2xh100' },
    },
    {
      name: '--served-model-name wins over --model',
      argv: ['--model', 'a', '--served-model-name', 'b'],
      env: { VLLM_SIM_MODEL: 'c' },
      expected: { model: 'b' },
    },
    { name: "vLLM's --tokenizer, or the services' variable", argv: [], env: { ATC_TOKENIZER_PATH: '/t' }, expected: { tokenizer: '/t' } },
    {
      name: '--kv-events-config wins over the endpoint variable',
      argv: ['--kv-events-config', '{"enable_kv_cache_events":false}'],
      env: { VLLM_SIM_KV_EVENTS_ENDPOINT: 'tcp://*:1' },
      expected: { kvEventsEndpoint: '' },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const options = parseVllmSimCli(row.argv, row.env ?? {}) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(row.expected)) assert.deepEqual(options[key], value, key);
    });
  }

  const bad: Array<[argv: string[], env: Record<string, string>, message: string]> = [
    [['--port', 'x'], {}, '--port must be an integer in [0, 65535], got "x"'],
    [[], { VLLM_SIM_MAX_MODEL_LEN: '0' }, 'VLLM_SIM_MAX_MODEL_LEN must be an integer >= 1, got "0"'],
    [['--profile', 'gpt-9'], {}, '--profile must be one of llama-3-8b-h100, qwen3-32b-2xh100, got "gpt-9"'],
    [['--kv-events-config', '{'], {}, '--kv-events-config must be JSON'],
    [
      ['--kv-events-config', '{"enable_kv_cache_events":true,"publisher":"nats"}'],
      {},
      "--kv-events-config publisher 'nats' is not supported (only zmq)",
    ],
    [['--bogus'], {}, "Unknown option '--bogus' (--help lists the options)"],
  ];
  for (const [argv, env, message] of bad) {
    it(`rejects ${argv.join(' ') || JSON.stringify(env)}`, () =>
      assert.throws(
        () => parseVllmSimCli(argv, env),
        (e: unknown) => e instanceof Error && e.message === message,
      ));
  }
});

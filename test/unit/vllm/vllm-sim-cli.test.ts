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
    { name: 'events disabled in the config', argv: ['--kv-events-config', '{"enable_kv_cache_events":false}'], expected: { kvEventsEndpoint: '' } },
    { name: 'environment', argv: [], env: { VLLM_SIM_PORT: '8100', VLLM_SIM_PROFILE: 'p' }, expected: { port: 8100, profile: 'p' } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const options = parseVllmSimCli(row.argv, row.env ?? {}) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(row.expected)) assert.deepEqual(options[key], value, key);
    });
  }

  for (const argv of [['--port', 'x'], ['--kv-events-config', '{'], ['--kv-events-config', '{"enable_kv_cache_events":true,"publisher":"nats"}'], ['--bogus']]) {
    it(`rejects ${argv.join(' ')}`, () => assert.throws(() => parseVllmSimCli(argv, {})));
  }
});

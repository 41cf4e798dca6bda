// Command line and environment of the vllm-sim process. Flags mirror vLLM's where vLLM has one
// (--port, --host, --served-model-name, --max-model-len, --kv-events-config), so launch scripts
// can swap the simulator for a real vLLM.
import { parseArgs } from 'node:util';

export interface VllmSimCliOptions {
  readonly port: number;
  readonly host: string;
  readonly model: string | undefined;
  readonly profile: string | undefined;
  readonly maxModelLen: number | undefined;
  readonly seed: number;
  /** Empty: no KV events. */
  readonly kvEventsEndpoint: string;
  readonly kvEventsTopic: string;
}

function integer(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** Reads vLLM's --kv-events-config JSON: {"enable_kv_cache_events": true, "publisher": "zmq", "endpoint", "topic"}. */
function kvEventsConfig(json: string | undefined): { endpoint?: string; topic?: string } {
  if (json === undefined) return {};
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error('--kv-events-config must be JSON');
  }
  if (config['enable_kv_cache_events'] !== true) return {};
  if (config['publisher'] !== undefined && config['publisher'] !== 'zmq') throw new Error(`--kv-events-config publisher '${String(config['publisher'])}' is not supported (only zmq)`);
  return {
    endpoint: typeof config['endpoint'] === 'string' ? config['endpoint'] : 'tcp://*:5557',
    topic: typeof config['topic'] === 'string' ? config['topic'] : '',
  };
}

export function parseVllmSimCli(argv: readonly string[], env: NodeJS.ProcessEnv): VllmSimCliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      'served-model-name': { type: 'string' },
      profile: { type: 'string' },
      'max-model-len': { type: 'string' },
      seed: { type: 'string' },
      'kv-events-endpoint': { type: 'string' },
      'kv-events-topic': { type: 'string' },
      'kv-events-config': { type: 'string' },
    },
    strict: true,
  });
  const fromConfig = kvEventsConfig(values['kv-events-config']);
  return {
    port: integer(values.port ?? env['VLLM_SIM_PORT'], '--port', 0) ?? 8000,
    host: values.host ?? env['VLLM_SIM_HOST'] ?? '127.0.0.1',
    model: values['served-model-name'] ?? values.model ?? env['VLLM_SIM_MODEL'],
    profile: values.profile ?? env['VLLM_SIM_PROFILE'],
    maxModelLen: integer(values['max-model-len'] ?? env['VLLM_SIM_MAX_MODEL_LEN'], '--max-model-len', 1),
    seed: integer(values.seed ?? env['VLLM_SIM_SEED'], '--seed', 0) ?? 0,
    kvEventsEndpoint: values['kv-events-endpoint'] ?? fromConfig.endpoint ?? env['VLLM_SIM_KV_EVENTS_ENDPOINT'] ?? '',
    kvEventsTopic: values['kv-events-topic'] ?? fromConfig.topic ?? env['VLLM_SIM_KV_EVENTS_TOPIC'] ?? '',
  };
}

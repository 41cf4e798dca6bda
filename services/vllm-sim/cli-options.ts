// Command line and environment of the vllm-sim process. Flags mirror vLLM's where vLLM has one
// (--port, --host, --served-model-name, --max-model-len, --kv-events-config, --tokenizer), so launch
// scripts can swap the simulator for a real vLLM.
import { option, parseOptions, tokenizerPathOption, type Environment, type ParseOptionsContext } from '../../shared/config/index.js';
import { DEFAULT_PROFILE_NAME, ENGINE_PROFILES } from '../../shared/engine/sim/index.js';

export const VLLM_SIM_OPTIONS = {
  port: option.integer({ flag: 'port', env: 'VLLM_SIM_PORT', min: 0, max: 65535, default: 8000, doc: 'HTTP port (0: any free port)' }),
  host: option.string({ flag: 'host', env: 'VLLM_SIM_HOST', default: '127.0.0.1', doc: 'HTTP listen address' }),
  model: option.string({ flag: 'model', env: 'VLLM_SIM_MODEL', defaultDoc: "the profile's", doc: 'model name served' }),
  servedModelName: option.string({ flag: 'served-model-name', doc: "vLLM's name for --model; wins over it" }),
  profile: option.choice({
    flag: 'profile',
    env: 'VLLM_SIM_PROFILE',
    choices: Object.keys(ENGINE_PROFILES),
    default: DEFAULT_PROFILE_NAME,
    doc: 'simulated engine profile',
  }),
  maxModelLen: option.integer({
    flag: 'max-model-len',
    env: 'VLLM_SIM_MAX_MODEL_LEN',
    min: 1,
    defaultDoc: "the profile's",
    doc: 'longest prompt + output, tokens',
  }),
  seed: option.integer({ flag: 'seed', env: 'VLLM_SIM_SEED', min: 0, default: 0, doc: 'simulated engine seed' }),
  kvEventsEndpoint: option.string({
    flag: 'kv-events-endpoint',
    env: 'VLLM_SIM_KV_EVENTS_ENDPOINT',
    default: '',
    doc: 'ZMQ endpoint of the KV-event publisher (empty: no KV events)',
  }),
  kvEventsTopic: option.string({ flag: 'kv-events-topic', env: 'VLLM_SIM_KV_EVENTS_TOPIC', default: '', doc: 'topic of the KV events' }),
  kvEventsConfig: option.string({
    flag: 'kv-events-config',
    doc: 'vLLM\'s KV-events JSON, e.g. {"enable_kv_cache_events":true,"publisher":"zmq","endpoint":"tcp://*:5557"}; wins over the two above',
  }),
  tokenizer: { ...tokenizerPathOption, flag: 'tokenizer' },
};

export interface VllmSimCliOptions {
  readonly port: number;
  readonly host: string;
  readonly model: string | undefined;
  readonly profile: string;
  readonly maxModelLen: number | undefined;
  readonly seed: number;
  /** Empty: no KV events. */
  readonly kvEventsEndpoint: string;
  readonly kvEventsTopic: string;
  readonly tokenizer: string | undefined;
}

/** Reads vLLM's --kv-events-config JSON: {"enable_kv_cache_events": true, "publisher": "zmq", "endpoint", "topic"}. */
function kvEventsConfig(json: string): { endpoint: string; topic: string } {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error('--kv-events-config must be JSON');
  }
  if (config['enable_kv_cache_events'] !== true) return { endpoint: '', topic: '' };
  if (config['publisher'] !== undefined && config['publisher'] !== 'zmq')
    throw new Error(
      `--kv-events-config publisher '${typeof config['publisher'] === 'string' ? config['publisher'] : JSON.stringify(config['publisher'])}' is not supported (only zmq)`,
    );
  return {
    endpoint: typeof config['endpoint'] === 'string' ? config['endpoint'] : 'tcp://*:5557',
    topic: typeof config['topic'] === 'string' ? config['topic'] : '',
  };
}

export function parseVllmSimCli(
  argv: readonly string[],
  env: Environment,
  context: ParseOptionsContext = { command: 'vllm-sim' },
): VllmSimCliOptions {
  const o = parseOptions(VLLM_SIM_OPTIONS, argv, env, context);
  // vLLM's own JSON form, when given, says whether and where KV events go.
  const events =
    o.kvEventsConfig !== undefined ? kvEventsConfig(o.kvEventsConfig) : { endpoint: o.kvEventsEndpoint, topic: o.kvEventsTopic };
  return {
    port: o.port,
    host: o.host,
    model: o.servedModelName ?? o.model,
    profile: o.profile,
    maxModelLen: o.maxModelLen,
    seed: o.seed,
    kvEventsEndpoint: events.endpoint,
    kvEventsTopic: events.topic,
    tokenizer: o.tokenizer,
  };
}

import assert from 'node:assert/strict';
import {
  BASELINE_CONFIGS,
  DEFAULT_SCHEDULER_CONFIG,
  SchedulingConfigError,
  loadSchedulerConfig,
} from '../../../shared/scheduling/index.js';

const PROFILE = `
schedulingProfiles:
  - name: decode
    plugins:
      - pluginRef: queue-scorer
        weight: 2
      - pluginRef: max-score-picker`;

/** A config with the given plugins section and the standard decode profile. */
const withPlugins = (plugins: string) => `plugins:${plugins}\n  - type: max-score-picker${PROFILE}`;

describe('scheduler config loader', () => {
  it('loads a minimal config', () => {
    const c = loadSchedulerConfig(withPlugins('\n  - type: queue-scorer'));
    const decode = c.profiles.get('decode')!;
    assert.equal(decode.scorers[0]!.weight, 2);
    assert.equal(decode.picker.name, 'max-score-picker');
    assert.equal(c.profileHandler.type, 'pd-profile-handler'); // default handler
  });

  it('gathers what the plugins read: prefix source, routing memory, speculative TTL, match granularity', () => {
    const atc = loadSchedulerConfig(DEFAULT_SCHEDULER_CONFIG);
    assert.equal(atc.prefixSource, 'precise');
    assert.equal(atc.readsPrefixIndex, true);
    const approx = loadSchedulerConfig(BASELINE_CONFIGS['llmd-approx']);
    assert.equal(approx.prefixSource, 'approximate');
    assert.equal(approx.readsPrefixIndex, false);
    assert.deepEqual(approx.routedPrefixes, { blockTokens: 64, capacityBlocks: 'engine', maxPrefixTokens: 131072 });
    const precise = loadSchedulerConfig(BASELINE_CONFIGS['llmd-precise']);
    assert.equal(precise.speculativeTtlMs, 2000);
    assert.equal(precise.preciseMatchTokens, 64);
    assert.equal(loadSchedulerConfig(BASELINE_CONFIGS['round-robin']).prefixSource, undefined);
  });

  it('loads the default config and every baseline', () => {
    assert.equal(loadSchedulerConfig(DEFAULT_SCHEDULER_CONFIG).profiles.size, 2);
    for (const [name, yaml] of Object.entries(BASELINE_CONFIGS)) assert.ok(loadSchedulerConfig(yaml).profiles.has('decode'), name);
  });

  // Each row: a broken config and the exact fragment its error must contain (plugin/profile + field).
  const rows: Array<{ name: string; yaml: string; error: string }> = [
    {
      name: 'bad parameter type',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: health-filter\n    parameters:\n      maxLoadAgeMs: x'),
      error: 'plugin "health-filter": parameter "maxLoadAgeMs" must be a number ≥ 0, got "x"',
    },
    {
      name: 'parameter out of range',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: inflight-scorer\n    parameters:\n      tokenShare: 2'),
      error: 'plugin "inflight-scorer": parameter "tokenShare" must be a number ≥ 0 and ≤ 1, got 2',
    },
    {
      name: 'non-integer where an integer is required',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: pd-profile-handler\n    parameters:\n      thresholdTokens: 1.5'),
      error: 'plugin "pd-profile-handler": parameter "thresholdTokens" must be an integer ≥ 0, got 1.5',
    },
    {
      name: 'unknown parameter',
      yaml: withPlugins('\n  - type: queue-scorer\n    parameters:\n      threshold: 3'),
      error: 'plugin "queue-scorer": unknown parameter "threshold"',
    },
    {
      name: 'enum parameter',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: role-filter\n    name: r\n    parameters:\n      role: encode'),
      error: 'plugin "r": parameter "role" must be one of "decode", "prefill", got "encode"',
    },
    {
      name: 'two plugins asking for different routing memories',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: approx-prefix-cache-scorer\n  - type: smg-cache-aware-scorer'),
      error:
        'plugin "smg-cache-aware-scorer": its routing memory ({"blockTokens":16,"capacityBlocks":1048576}) differs from plugin "approx-prefix-cache-scorer"\'s',
    },
    {
      name: 'unknown plugin type',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: magic-scorer'),
      error: 'plugin "magic-scorer": field "type" names unknown plugin type "magic-scorer"',
    },
    {
      name: 'unknown field on a plugin',
      yaml: withPlugins('\n  - type: queue-scorer\n    weight: 3'),
      error: 'plugin "queue-scorer": unknown field "weight"',
    },
    {
      name: 'duplicate plugin name',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: kv-cache-utilization-scorer\n    name: queue-scorer'),
      error: 'plugin "queue-scorer": field "name" is used by another plugin',
    },
    {
      name: 'dangling pluginRef',
      yaml: `plugins:\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n      - pluginRef: max-score-picker`,
      error: 'profile "decode", plugin "queue-scorer": field "pluginRef" names no plugin',
    },
    {
      name: 'negative weight',
      yaml: `plugins:\n  - type: queue-scorer\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n        weight: -1\n      - pluginRef: max-score-picker`,
      error: 'profile "decode", plugin "queue-scorer": field "weight" must be a number ≥ 0, got -1',
    },
    {
      name: 'weight as a string',
      yaml: `plugins:\n  - type: queue-scorer\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n        weight: heavy\n      - pluginRef: max-score-picker`,
      error: 'profile "decode", plugin "queue-scorer": field "weight" must be a number ≥ 0, got "heavy"',
    },
    // YAML spells NaN and infinity .nan and .inf: neither may weigh a score (a NaN total could never
    // be compared, an infinite one would turn 0 scores into NaN).
    ...['.nan', '.inf', '-.inf'].map((weight) => ({
      name: `weight ${weight}`,
      yaml: `plugins:\n  - type: queue-scorer\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n        weight: ${weight}\n      - pluginRef: max-score-picker`,
      error: 'profile "decode", plugin "queue-scorer": field "weight" must be a number ≥ 0',
    })),
    {
      name: 'a numeric parameter given as .nan',
      yaml: withPlugins('\n  - type: queue-scorer\n  - type: hot-spot-guard-picker\n    parameters:\n      absThreshold: .nan'),
      error: 'plugin "hot-spot-guard-picker": parameter "absThreshold"',
    },
    {
      name: 'weight on a picker',
      yaml: `plugins:\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: max-score-picker\n        weight: 1`,
      error: 'profile "decode", plugin "max-score-picker": field "weight" applies to scorers only',
    },
    {
      name: 'no picker',
      yaml: `plugins:\n  - type: queue-scorer\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n        weight: 1`,
      error: 'profile "decode": needs exactly one picker, got 0',
    },
    {
      // The endpoint picker rejects a scorer without a weight: the weight belongs to the profile.
      name: 'a scorer without a weight',
      yaml: `plugins:\n  - type: queue-scorer\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: queue-scorer\n      - pluginRef: max-score-picker`,
      error: 'profile "decode", plugin "queue-scorer": field "weight" is required for a scorer',
    },
    {
      name: 'two pickers',
      yaml: `plugins:\n  - type: max-score-picker\n  - type: random-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: max-score-picker\n      - pluginRef: random-picker`,
      error: 'profile "decode": needs exactly one picker, got 2',
    },
    {
      name: 'no decode profile',
      yaml: `plugins:\n  - type: max-score-picker\nschedulingProfiles:\n  - name: main\n    plugins:\n      - pluginRef: max-score-picker`,
      error: 'plugin "pd-profile-handler": parameter "decodeProfile" names profile "decode", which is not defined',
    },
    {
      name: 'unknown top-level field',
      yaml: `${withPlugins('\n  - type: queue-scorer')}\nprofiles: []`,
      error: 'scheduler config: unknown field "profiles"',
    },
    {
      name: 'unknown field in a profile reference',
      yaml: `plugins:\n  - type: max-score-picker\nschedulingProfiles:\n  - name: decode\n    plugins:\n      - pluginRef: max-score-picker\n        wieght: 1`,
      error: 'profile "decode", plugin "max-score-picker": unknown field "wieght"',
    },
    {
      name: 'parameters not a mapping',
      yaml: withPlugins('\n  - type: queue-scorer\n    parameters: [1, 2]'),
      error: 'plugin "queue-scorer": "parameters" must be a mapping, got [1,2]',
    },
    { name: 'not YAML', yaml: 'plugins: [unclosed', error: 'scheduler config is not valid YAML' },
    {
      name: 'empty plugins',
      yaml: 'plugins: []\nschedulingProfiles: []',
      error: 'scheduler config: "plugins" must be a non-empty list, got []',
    },
  ];
  for (const r of rows)
    it(`fails fast: ${r.name}`, () => {
      assert.throws(
        () => loadSchedulerConfig(r.yaml),
        (e: unknown) => e instanceof SchedulingConfigError && e.message.includes(r.error),
        r.error,
      );
    });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseRoutingFlags } from '../../../bench/routing/harness/flags.js';
import { calibrateForProfile } from '../../../bench/routing/harness/calibration.js';
import { parsePolicies, policyConfig, readCustomConfigs } from '../../../bench/routing/harness/policies.js';
import { runScenario } from '../../../bench/routing/run-scenario.js';
import { llmdSharedPrefix } from '../../../bench/routing/scenarios/index.js';
import { BASELINE_CONFIGS } from '../../../shared/scheduling/index.js';

const files: Record<string, string> = {
  'good.yaml': BASELINE_CONFIGS['llmd-precise'],
  'typo.yaml': BASELINE_CONFIGS['llmd-precise'].replace('type: token-load-scorer', 'type: token-load-scorr'),
};
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error('ENOENT: no such file');
  return text;
};

describe('bench --configs: your own scheduler configs as policies', () => {
  it('reads name=FILE pairs and lets --policies name them', () => {
    const configs = readCustomConfigs(['mine=good.yaml'], read);
    assert.deepEqual(Object.keys(configs), ['mine']);
    assert.deepEqual(parsePolicies(['atc', 'mine'], configs), ['atc', 'mine']);
    assert.throws(() => parsePolicies(['atc', 'theirs'], configs), /unknown policy 'theirs'/);
    // Names of Object.prototype's members are not policies.
    assert.throws(() => parsePolicies(['toString'], configs), /unknown policy 'toString'/);
    assert.throws(() => parsePolicies(['constructor']), /unknown policy 'constructor'/);
    assert.deepEqual(Object.keys(readCustomConfigs(['constructor=good.yaml'], read)), ['constructor']);
  });

  it('rejects a bad entry, a taken name, an unreadable file and a bad config, naming each', () => {
    assert.throws(() => readCustomConfigs(['mine'], read), /'mine' is not name=FILE/);
    assert.throws(() => readCustomConfigs(['atc=good.yaml'], read), /the name 'atc' is taken/);
    assert.throws(() => readCustomConfigs(['a=good.yaml', 'a=good.yaml'], read), /the name 'a' is taken/);
    assert.throws(() => readCustomConfigs(['mine=missing.yaml'], read), /cannot read missing.yaml/);
    assert.throws(() => readCustomConfigs(['mine=typo.yaml'], read), /typo\.yaml: .*token-load-scorr/);
  });

  it('runs a config file through worker threads like a built-in policy', async () => {
    const args = [
      '--groups',
      '4',
      '--prompts-per-group',
      '2',
      '--system-tokens',
      '64',
      '--question-tokens',
      '16',
      '--output-tokens',
      '8',
      '--replicas',
      '2',
      '--profile',
      'llama-3-8b-h100',
      '--warmup',
      '4:2',
      '--stages',
      '6:3',
    ];
    const shipped = readFileSync(new URL('../../../../bench/configs/llmd-estimated-published.yaml', import.meta.url), 'utf8');
    // The baseline as the harness runs it on this profile (its calibrated peak prefill throughput).
    const configs = { 'llmd-estimated': shipped, 'precise-copy': policyConfig('llmd-precise', {}, calibrateForProfile('llama-3-8b-h100')) };
    const run = (jobs: number) =>
      runScenario({
        scenario: llmdSharedPrefix,
        flags: parseRoutingFlags(llmdSharedPrefix, args),
        policies: ['llmd-precise', 'precise-copy', 'llmd-estimated'],
        seed: 3,
        capacity: false,
        progress: false,
        command: 't',
        configs,
        jobs,
      });
    const r = await run(2);
    assert.deepEqual(
      r.policies.map((p) => p.name),
      ['llmd-precise', 'precise-copy', 'llmd-estimated'],
    );
    // The same config under another name decides the same way.
    // (llm-d's policies read no engine metrics that a refresh interval would change.)
    const strip = (p: (typeof r.policies)[number]) => JSON.stringify({ ...p, name: '', policy: '', sim: null, metrics_refresh_ms: null });
    assert.equal(strip(r.policies[1]!), strip(r.policies[0]!));
    assert.equal(r.policies[2]!.completed, 18);
  });
});

// Span attributes of a scheduling decision, per plugin: scores of the chosen worker and candidates each
// filter removed, keyed by profile and plugin name.
import assert from 'node:assert/strict';
import { PLUGIN_FILTERED_PREFIX, pluginFilterAttributes, pluginScoreAttributes } from '../../../shared/telemetry/index.js';

describe('decision span attributes', () => {
  const rows: Array<[string, Record<string, Record<string, number>>, Record<string, number>]> = [
    ['no profiles', {}, {}],
    [
      'one filter that removed none (slo-affinity let go)',
      { decode: { 'slo-affinity-filter': 0 } },
      { [`${PLUGIN_FILTERED_PREFIX}decode.slo-affinity-filter`]: 0 },
    ],
    [
      'filters of two profiles',
      { decode: { 'slo-affinity-filter': 3, 'health-filter': 0 }, prefill: { 'role-filter': 2 } },
      {
        [`${PLUGIN_FILTERED_PREFIX}decode.slo-affinity-filter`]: 3,
        [`${PLUGIN_FILTERED_PREFIX}decode.health-filter`]: 0,
        [`${PLUGIN_FILTERED_PREFIX}prefill.role-filter`]: 2,
      },
    ],
  ];
  for (const [what, input, expected] of rows) it(`filters: ${what}`, () => assert.deepEqual(pluginFilterAttributes(input), expected));

  it('scores keep their own prefix, apart from the filters', () => {
    const scores = pluginScoreAttributes({ decode: { 'queue-scorer': 0.5 } });
    assert.deepEqual(scores, { 'atc.scheduler.score.decode.queue-scorer': 0.5 });
  });
});

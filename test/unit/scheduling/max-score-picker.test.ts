import assert from 'node:assert/strict';
import { MaxScorePicker } from '../../../shared/scheduling/plugins/pickers/max-score-picker.js';
import { a, b, c, counts } from './picker-fixtures.js';
import { cycle, request, scored } from './fixtures.js';

describe('max-score-picker', () => {
  const p = new MaxScorePicker('max');
  const rows = [
    { name: 'single candidate', entries: [[a, 0]] as const, want: ['a'] },
    {
      name: 'clear winner',
      entries: [
        [a, 1],
        [b, 3],
        [c, 2],
      ] as const,
      want: ['b'],
    },
    // ties are broken at random: both tied workers must show up, the lower one never.
    {
      name: 'tie between a and c',
      entries: [
        [a, 2],
        [b, 1],
        [c, 2],
      ] as const,
      want: ['a', 'c'],
    },
    {
      name: 'all equal',
      entries: [
        [a, 0],
        [b, 0],
        [c, 0],
      ] as const,
      want: ['a', 'b', 'c'],
    },
  ];
  for (const r of rows) it(r.name, () => assert.deepEqual(Object.keys(counts(p, r.entries, 300)).sort(), r.want));

  it('tieBreak rotate: ties go round in order, as llm-d rotates them', () => {
    const r = new MaxScorePicker('max', 'rotate');
    const cyc = cycle(request(), [a, b, c]);
    const picks = Array.from(
      { length: 6 },
      () =>
        r.pick(
          cyc,
          scored([
            [a, 2],
            [b, 1],
            [c, 2],
          ]),
        ).id,
    );
    assert.deepEqual(picks, ['a', 'c', 'a', 'c', 'a', 'c']);
    assert.equal(
      r.pick(
        cyc,
        scored([
          [a, 1],
          [b, 3],
          [c, 2],
        ]),
      ).id,
      'b',
    );
  });
});

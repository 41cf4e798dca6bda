import assert from 'node:assert/strict';
import { WeightedRandomPicker } from '../../../shared/scheduling/plugins/pickers/weighted-random-picker.js';
import { a, b, c, counts } from './picker-fixtures.js';

describe('weighted-random-picker', () => {
  const p = new WeightedRandomPicker('wr');
  it('picks in proportion to score (1:3), within 5 points of 25%', () => {
    const got = counts(p, [
      [a, 1],
      [b, 3],
    ]);
    assert.ok(Math.abs(got['a']! / 3000 - 0.25) < 0.05, JSON.stringify(got));
  });
  it('all zero: uniform over all', () =>
    assert.deepEqual(
      Object.keys(
        counts(
          p,
          [
            [a, 0],
            [b, 0],
            [c, 0],
          ],
          300,
        ),
      ).sort(),
      ['a', 'b', 'c'],
    ));
  it('zero score never picked when others score', () =>
    assert.equal(
      counts(p, [
        [a, 0],
        [b, 1],
      ])['a'],
      undefined,
    ));
});

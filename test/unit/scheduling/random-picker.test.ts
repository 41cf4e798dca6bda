import assert from 'node:assert/strict';
import { RandomPicker } from '../../../shared/scheduling/plugins/pickers/random-picker.js';
import { a, b, counts } from './picker-fixtures.js';

describe('random-picker', () => {
  it('ignores scores: a zero-score worker is picked too', () => {
    const got = counts(new RandomPicker('r'), [
      [a, 0],
      [b, 100],
    ]);
    assert.ok(got['a']! > 1300 && got['b']! > 1300, JSON.stringify(got)); // ~1500 each
  });
});

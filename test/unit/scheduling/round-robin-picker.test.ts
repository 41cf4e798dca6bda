import assert from 'node:assert/strict';
import { RoundRobinPicker } from '../../../shared/scheduling/plugins/pickers/round-robin-picker.js';
import { cycle, request, scored } from './fixtures.js';
import { a, b, c } from './picker-fixtures.js';

describe('round-robin-picker', () => {
  it('cycles in worker-id order, whatever the scores and input order', () => {
    const p = new RoundRobinPicker('rr');
    const cyc = cycle(request(), [c, a, b]);
    const seq = Array.from(
      { length: 6 },
      () =>
        p.pick(
          cyc,
          scored([
            [c, 9],
            [a, 0],
            [b, 5],
          ]),
        ).id,
    );
    assert.deepEqual(seq, ['a', 'b', 'c', 'a', 'b', 'c']);
  });
});

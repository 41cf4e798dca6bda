import assert from 'node:assert/strict';
import { parseTrace, parseTraceLine, TraceFormatError } from '../../../bench/routing/scenarios/index.js';
import { expandHashIds, MOONCAKE_BLOCK_TOKENS } from '../../../bench/routing/harness/token-ids.js';

describe('Mooncake trace parsing', () => {
  it('reads a good line', () => {
    const r = parseTraceLine('{"timestamp": 27, "input_length": 700, "output_length": 5, "hash_ids": [0, 9]}', 1);
    assert.deepEqual(r, { timestampMs: 27, inputLength: 700, outputLength: 5, hashIds: [0, 9] });
  });

  // Each row: a bad line, the field the error must name (null: the line as a whole).
  const bad: Array<[string, string, string | null]> = [
    ['not JSON', '{"timestamp": 0,', null],
    ['an array, not an object', '[1,2]', null],
    ['timestamp missing', '{"input_length": 10, "output_length": 1, "hash_ids": [1]}', 'timestamp'],
    ['negative timestamp', '{"timestamp": -1, "input_length": 10, "output_length": 1, "hash_ids": [1]}', 'timestamp'],
    ['input_length a string', '{"timestamp": 0, "input_length": "10", "output_length": 1, "hash_ids": [1]}', 'input_length'],
    ['input_length 0', '{"timestamp": 0, "input_length": 0, "output_length": 1, "hash_ids": [1]}', 'input_length'],
    ['output_length fractional', '{"timestamp": 0, "input_length": 10, "output_length": 1.5, "hash_ids": [1]}', 'output_length'],
    ['hash_ids not an array', '{"timestamp": 0, "input_length": 10, "output_length": 1, "hash_ids": 3}', 'hash_ids'],
    ['a negative hash id', '{"timestamp": 0, "input_length": 10, "output_length": 1, "hash_ids": [1, -2]}', 'hash_ids'],
    // 513 tokens need two 512-token blocks.
    ['too few hash ids for the input', '{"timestamp": 0, "input_length": 513, "output_length": 1, "hash_ids": [1]}', 'hash_ids'],
  ];
  for (const [what, line, field] of bad) {
    it(`rejects ${what}, naming line and field`, () => {
      const text = `{"timestamp": 0, "input_length": 10, "output_length": 1, "hash_ids": [1]}\n${line}\n`;
      assert.throws(
        () => parseTrace(text, 't.jsonl'),
        (err: unknown) => {
          assert.ok(err instanceof TraceFormatError);
          assert.equal(err.line, 2);
          assert.equal(err.field, field);
          assert.match(err.message, field === null ? /^t\.jsonl:2: / : new RegExp(`^t\\.jsonl:2 field '${field}'`));
          return true;
        },
      );
    });
  }

  it('rejects timestamps going backwards and an empty trace', () => {
    const line = (ts: number) => `{"timestamp": ${ts}, "input_length": 10, "output_length": 1, "hash_ids": [1]}`;
    assert.throws(() => parseTrace(`${line(5)}\n${line(4)}`), /:2 field 'timestamp'/);
    assert.throws(() => parseTrace('\n\n'), /no requests/);
  });

  it('expands hash ids so that equal ids give equal 512-token blocks', () => {
    const a = expandHashIds([7, 8], 600);
    const b = expandHashIds([7, 9], 1024);
    assert.equal(a.length, 600);
    // Same first id: same first block; different second id: different second block.
    assert.deepEqual(a.slice(0, MOONCAKE_BLOCK_TOKENS), b.slice(0, MOONCAKE_BLOCK_TOKENS));
    assert.notDeepEqual(a.slice(512, 600), b.slice(512, 600));
    assert.deepEqual(expandHashIds([7, 8], 600), a); // deterministic
  });
});

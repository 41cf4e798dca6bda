// Long runs of one character class are encoded in slices (BPE is quadratic in a piece's length: a
// megabyte of spaces would hold a scheduler for hours). Ordinary text is encoded exactly as before.
import assert from 'node:assert/strict';
import { encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { MAX_RUN_CHARS, tokenize } from '../../../shared/tokenizer/tokenizer.js';

describe('tokenizer on long runs', () => {
  const exact = (text: string) => encode(text, { allowedSpecial: new Set(), disallowedSpecial: new Set() });

  it('encodes ordinary text exactly, runs up to the limit included', () => {
    for (const text of [
      'Hello, world! An ordinary sentence.\n\nWith  two spaces.',
      'x' + ' '.repeat(MAX_RUN_CHARS) + 'y',
      '-'.repeat(MAX_RUN_CHARS),
    ]) {
      assert.deepEqual(tokenize(text), exact(text));
    }
  });

  it('encodes a longer run in slices of the limit, the text around it exactly', () => {
    const run = ' '.repeat(MAX_RUN_CHARS * 3 + 5);
    const text = `before${run}after`;
    const expected = [
      ...exact('before'),
      ...exact(run.slice(0, MAX_RUN_CHARS)),
      ...exact(run.slice(0, MAX_RUN_CHARS)),
      ...exact(run.slice(0, MAX_RUN_CHARS)),
      ...exact(run.slice(0, 5)),
      ...exact('after'),
    ];
    assert.deepEqual(tokenize(text), expected);
    // A megabyte of one letter: bounded slices, every token of the vocabulary.
    const ids = tokenize('a'.repeat(1 << 20));
    assert.ok(ids.length > 0 && ids.every((id) => Number.isInteger(id) && id >= 0));
  });
});

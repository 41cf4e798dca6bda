import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CL100K_TOKENIZER, TokenizerLoadError, loadHfTokenizer, tokenize } from '../../../shared/tokenizer/index.js';
import { TINY_BOS_ID, writeTinyTokenizer } from '../../support/tiny-tokenizer.js';

describe('prompt tokenizer', () => {
  it('defaults to the project tokenizer (cl100k)', () => {
    assert.deepEqual(CL100K_TOKENIZER.encode('hello world'), tokenize('hello world'));
  });

  describe("a model's own tokenizer.json, from a local path", () => {
    const dir = writeTinyTokenizer();
    // Rows: text and the ids the tiny byte-level BPE must give: BOS first (vLLM's completions add it),
    // bytes as their own ids, and the merges th, the, Ġthe, ou, er applied in rank order.
    const rows: Array<[string, number[]]> = [
      ['the', [TINY_BOS_ID, 257]],
      ['the other', [TINY_BOS_ID, 257, 32, 111, 257, 114]],
      [' the', [TINY_BOS_ID, 258]],
      ['our', [TINY_BOS_ID, 259, 114]],
      ['', [TINY_BOS_ID]],
    ];
    for (const [text, ids] of rows) {
      it(`encodes ${JSON.stringify(text)}`, () => assert.deepEqual(loadHfTokenizer(dir).encode(text), ids));
    }
    it("renders chat through the model's chat template, its BOS once", () => {
      // '{{ bos_token }}<user>the' then '<assistant>': the template writes the BOS, the encoder adds none.
      const ids = loadHfTokenizer(dir).encodeChat([{ role: 'user', content: 'the' }]);
      const expected = [TINY_BOS_ID, ...loadHfTokenizer(dir).encode('<user>the<assistant>').slice(1)];
      assert.deepEqual(ids, expected);
      assert.equal(ids.filter((id) => id === TINY_BOS_ID).length, 1);
    });
    it('loads from the directory or the file itself', () => {
      assert.deepEqual(loadHfTokenizer(join(dir, 'tokenizer.json')).encode('the'), [TINY_BOS_ID, 257]);
    });
  });

  const errors: Array<[string, () => string, RegExp]> = [
    ['a missing path', () => join(tmpdir(), 'no-such-tokenizer-dir'), /does not exist/],
    ['a directory without tokenizer.json', () => mkdtempSync(join(tmpdir(), 'atc-empty-')), /no tokenizer\.json/],
    [
      'a file that is not JSON',
      () => {
        const d = mkdtempSync(join(tmpdir(), 'atc-bad-'));
        writeFileSync(join(d, 'tokenizer.json'), '{not json');
        return d;
      },
      /cannot read .* as JSON/,
    ],
  ];
  for (const [name, path, re] of errors) {
    it(`fails clearly on ${name}`, () =>
      assert.throws(
        () => loadHfTokenizer(path()),
        (e: unknown) => e instanceof TokenizerLoadError && re.test(e.message),
      ));
  }
});

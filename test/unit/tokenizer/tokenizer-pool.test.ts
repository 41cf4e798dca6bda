import assert from 'node:assert/strict';
import {
  TokenizerPool,
  loadHfTokenizer,
  promptTokenIds,
  setPromptTokenizer,
  usePromptTokenizerAt,
} from '../../../shared/tokenizer/index.js';
import type { PromptInput } from '../../../shared/engine/types.js';
import { computeBlockHashes } from '../../../shared/scheduling/index.js';
import { writeTinyTokenizer } from '../../support/tiny-tokenizer.js';

const long = (words: number) => Array.from({ length: words }, (_, i) => `word${i % 97} the other`).join(' ');

describe('TokenizerPool', () => {
  afterEach(() => setPromptTokenizer(undefined));

  // Rows: prompt, and whether it goes to a pool thread (longer than inlineMaxChars = 64) or stays inline.
  const rows: Array<[string, PromptInput]> = [
    ['short text (inline)', { text: 'hello world' }],
    ['long text (thread)', { text: long(400) }],
    [
      'long chat (thread)',
      {
        messages: [
          { role: 'system', content: long(100) },
          { role: 'user', content: long(300) },
        ],
      },
    ],
    ['short chat (inline)', { messages: [{ role: 'user', content: 'hi' }] }],
  ];

  describe('with cl100k, one thread', () => {
    let pool: TokenizerPool;
    before(() => (pool = new TokenizerPool({ threads: 1, inlineMaxChars: 64 })));
    after(() => pool.close());
    for (const [name, prompt] of rows) {
      it(`gives the ids of the process's tokenizer: ${name}`, async () => {
        assert.deepEqual(await pool.tokenIds(prompt), promptTokenIds(prompt));
      });
    }
    it('passes token ids through and names its tokenizer', async () => {
      assert.deepEqual(await pool.tokenize({ tokenIds: [1, 2, 3] }), { tokenIds: [1, 2, 3] });
      assert.equal(pool.tokenizer, 'cl100k_base');
    });
    // Rows: prompt, whether a thread tokenizes it (and so hashes it too).
    for (const [name, prompt] of rows) {
      const pooled = name.endsWith('(thread)');
      it(`${pooled ? 'hashes on the thread' : 'leaves hashing to the caller'}: ${name}`, async () => {
        const got = await pool.tokenize(prompt);
        assert.ok(Array.isArray(got.tokenIds), 'a plain array, as the wire encodes it');
        assert.deepEqual(got.tokenIds, promptTokenIds(prompt));
        if (!pooled) return assert.equal(got.blockHashes, undefined);
        assert.ok(got.tokenIds.length >= 32, 'the row spans blocks');
        assert.deepEqual(got.blockHashes, computeBlockHashes(got.tokenIds, 16));
      });
    }
    it('hashes in the block size it is given', async () => {
      const p = new TokenizerPool({ threads: 1, inlineMaxChars: 0, blockSize: 32 });
      try {
        const got = await p.tokenize({ text: long(200) });
        assert.deepEqual(got.blockHashes, computeBlockHashes(got.tokenIds, 32));
        assert.equal(got.blockHashes?.length, Math.floor(got.tokenIds.length / 32));
      } finally {
        await p.close();
      }
    });
    it('serves many prompts at once, each its own ids', async () => {
      const prompts = Array.from({ length: 20 }, (_, i) => ({ text: `${i} ${long(50 + i)}` }));
      const ids = await Promise.all(prompts.map((p) => pool.tokenIds(p)));
      ids.forEach((got, i) => assert.deepEqual(got, promptTokenIds(prompts[i]!)));
    });
  });

  describe("with a model's tokenizer.json, two threads", () => {
    const dir = writeTinyTokenizer();
    let pool: TokenizerPool;
    before(() => {
      usePromptTokenizerAt(dir);
      pool = new TokenizerPool({ threads: 2, tokenizerPath: dir, inlineMaxChars: 64 });
    });
    after(() => pool.close());
    for (const [name, prompt] of rows) {
      it(`the threads load the same tokenizer and chat template: ${name}`, async () => {
        usePromptTokenizerAt(dir);
        const expected = 'text' in prompt ? loadHfTokenizer(dir).encode(prompt.text) : promptTokenIds(prompt);
        assert.deepEqual(await pool.tokenIds(prompt), expected);
      });
    }
  });

  it('with no threads tokenizes inline', async () => {
    const pool = new TokenizerPool({ threads: 0 });
    const prompt = { text: long(500) };
    assert.deepEqual(await pool.tokenIds(prompt), promptTokenIds(prompt));
    await pool.close();
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeys, hashedKeyLine } from '../../../services/ingress/api-keys.js';

describe('API keys', () => {
  const keys = ApiKeys.parse(['# team keys', '', 'sk-plain-1', `  ${hashedKeyLine('sk-hashed-2')}  `].join('\n'));

  it('holds every key of the file, plain or as its SHA-256', () => {
    assert.equal(keys.size, 2);
  });

  const cases: Array<[string, string | undefined, boolean]> = [
    ['a plain key', 'Bearer sk-plain-1', true],
    ['a key stored hashed', 'Bearer sk-hashed-2', true],
    ['the scheme in any case', 'bearer sk-plain-1', true],
    ['no header', undefined, false],
    ['an unknown key', 'Bearer sk-other', false],
    ['the hash itself presented as a key', `Bearer ${hashedKeyLine('sk-hashed-2')}`, false],
    ['a key with a suffix', 'Bearer sk-plain-1x', false],
    ['another scheme', 'Basic sk-plain-1', false],
    ['an empty bearer', 'Bearer ', false],
  ];
  for (const [name, header, ok] of cases) {
    it(`${ok ? 'accepts' : 'refuses'} ${name}`, () => assert.equal(keys.accepts(header), ok));
  }

  it('refuses a keys file without a key (it would open the API)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atc-keys-'));
    try {
      const path = join(dir, 'keys');
      writeFileSync(path, '# nothing yet\n');
      assert.throws(() => ApiKeys.fromFile(path), /holds no key/);
      writeFileSync(path, 'sk-1\n');
      assert.equal(ApiKeys.fromFile(path).size, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

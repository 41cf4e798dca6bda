// How credentials and TLS settings become nats.js connection options (shared/nats/connection.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsAuthOptions } from '../../shared/nats/index.js';

describe('NATS connection options from credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atc-natsopts-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('none: anonymous, default inboxes', () => assert.deepEqual(natsAuthOptions({}), {}));

  it("a user and password, with the user's private inbox prefix", () => {
    assert.deepEqual(natsAuthOptions({ natsUser: 'worker-d1', natsPassword: 'pw' }), {
      user: 'worker-d1',
      pass: 'pw',
      inboxPrefix: '_INBOX.worker-d1',
    });
  });

  it('a password file (trailing newline dropped) and an explicit inbox prefix', () => {
    const pw = file('pw', 'secret\n');
    assert.deepEqual(natsAuthOptions({ natsUser: 'ingress', natsPasswordFile: pw, natsInboxPrefix: '_INBOX.x' }), {
      user: 'ingress',
      pass: 'secret',
      inboxPrefix: '_INBOX.x',
    });
  });

  it('TLS from files: a CA alone, or with a client certificate and key', () => {
    const ca = file('ca.pem', 'CA');
    assert.deepEqual(natsAuthOptions({ natsTlsCa: ca }).tls, { ca: 'CA' });
    const [cert, key] = [file('c.pem', 'C'), file('k.pem', 'K')];
    assert.deepEqual(natsAuthOptions({ natsTlsCa: ca, natsTlsCert: cert, natsTlsKey: key }).tls, { ca: 'CA', cert: 'C', key: 'K' });
  });

  const refused: Array<[string, Parameters<typeof natsAuthOptions>[0], RegExp]> = [
    ['a password without a user', { natsPassword: 'x' }, /needs a NATS user/],
    ['a certificate without its key', { natsTlsCert: '/x' }, /both --nats-tls-cert and --nats-tls-key/],
    ['a missing password file', { natsUser: 'u', natsPasswordFile: '/no/such/file' }, /ENOENT/],
    ['a user name that cannot be an inbox token', { natsUser: 'a.b' }, /NATS user name/],
  ];
  for (const [what, creds, error] of refused) it(`refuses ${what} at start-up`, () => assert.throws(() => natsAuthOptions(creds), error));
});

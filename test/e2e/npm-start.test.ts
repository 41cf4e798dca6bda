// The README's first command: `npm start` brings the whole cluster up on one machine, prints where it
// answers, serves requests, and stops everything cleanly on Ctrl-C (SIGINT).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../shared/nats/index.js';

const START = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'start.js');

describe('npm start', function () {
  this.timeout(60_000);

  it('runs the cluster, prints its URL and an example, answers it, and stops on SIGINT', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [START, '--port', String(port), '--decode-workers', '1', '--prefill-workers', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ATC_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 400 && !out.includes('llm-atc is up'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(out.includes('llm-atc is up'), `no ready banner:\n${out}`);
      assert.ok(out.includes(`http://127.0.0.1:${port}/v1`));
      assert.ok(out.includes('curl '), 'an example curl');
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama-3-8b', messages: [{ role: 'user', content: 'Hello!' }], max_tokens: 4 }),
      });
      assert.equal(res.status, 200);
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, `exit code, output:\n${out}`);
    assert.ok(out.includes('stopping llm-atc'));
    // Every process it started is gone: nothing answers on the API port any more.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  });
});

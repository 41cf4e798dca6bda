// The README's first command: `npm start` brings the whole cluster up on one machine, prints where it
// answers, serves requests, and stops everything cleanly on Ctrl-C (SIGINT).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../shared/nats/index.js';
import { until } from '../support/poll.js';

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

/** Pids of the processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start supervision', function () {
  this.timeout(90_000);

  it('leaves no process and no temp dir behind when it is SIGKILLed', async function () {
    if (!existsSync('/proc/self/stat')) this.skip();
    const port = await freePort();
    const child = spawn(process.execPath, [START, '--port', String(port), '--decode-workers', '1', '--prefill-workers', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ATC_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await until(() => out.includes('llm-atc is up'), 'the ready banner', 60_000, 100);
    const workDir = /password in (\S+)\/client\.password/.exec(out)?.[1];
    assert.ok(workDir && existsSync(workDir), `the banner names the NATS temp dir:\n${out}`);
    const started = childrenOf(child.pid!);
    assert.ok(started.length >= 4, `nats-server, reaper, scheduler, worker, ingress: ${started.join(',')}`);
    child.kill('SIGKILL');
    await until(() => started.every((pid) => !alive(pid)), 'every process it started gone', 30_000, 100);
    await until(() => !existsSync(workDir), 'its temp dir removed', 10_000, 100);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  });

  it('refuses a taken port clearly and never claims to be up', async () => {
    const squatter = createServer((_req, res) => res.end('{}')).listen(0, '0.0.0.0');
    await new Promise((r) => squatter.once('listening', r));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, [START, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      assert.equal(code, 2, out);
      assert.match(out, new RegExp(`port ${port} .*is taken by another process`));
      assert.ok(!out.includes('llm-atc is up'), out);
    } finally {
      squatter.close();
    }
  });
});

// The edges of the HTTP API through a whole cluster and the official openai client: API keys, body
// sizes against NATS's max_payload, over-long prompts, slow and idle clients.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import OpenAI from 'openai';
import { hashedKeyLine } from '../../services/ingress/api-keys.js';
import { kvBuckets } from '../../shared/protocol/index.js';
import { useCluster } from '../support/cluster.js';
import { until } from '../support/poll.js';

const KEY = 'sk-test-edges-1';
const keysDir = mkdtempSync(join(tmpdir(), 'atc-keys-'));
const keysFile = join(keysDir, 'keys');
writeFileSync(keysFile, `# test\n${hashedKeyLine(KEY)}\n`);

/** Resolves when the server closes the socket. */
const closedBy = (sock: Socket) => new Promise<void>((resolve) => sock.once('close', () => resolve()));

describe('edges of the HTTP API', function () {
  this.timeout(60_000);
  const env = useCluster({
    decodeWorkers: 1,
    prefillWorkers: 0,
    apiKey: KEY,
    env: { ATC_API_KEYS_FILE: keysFile, ATC_HTTP_HEADERS_TIMEOUT_MS: '500', ATC_HTTP_BODY_TIMEOUT_MS: '1000' },
  });
  after(() => rmSync(keysDir, { recursive: true, force: true }));
  const client = (apiKey: string) => new OpenAI({ baseURL: `${env.baseUrl}/v1`, apiKey, maxRetries: 0 });

  it('requires an API key on /v1 and answers 401 invalid_api_key in the OpenAI format', async () => {
    await assert.rejects(
      client('sk-wrong').chat.completions.create({ model: 'llama-3-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
      (e: unknown) => e instanceof OpenAI.AuthenticationError && e.status === 401 && e.code === 'invalid_api_key',
    );
    const res = await fetch(`${env.baseUrl}/v1/models`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    const ok = await client(KEY).chat.completions.create({
      model: 'llama-3-8b',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
    });
    assert.equal(ok.object, 'chat.completion');
    // Probes and scrapes stay open.
    assert.equal((await fetch(`${env.baseUrl}/health`)).status, 200);
  });

  it('refuses a prompt over the context length with 400 context_length_exceeded, once, before any engine', async () => {
    // About 3 MiB of prompt, three times nats-server's default max_payload: it travels to the scheduler in
    // one NATS message (npm start's server takes 16 MiB).
    const prompt = 'lorem ipsum dolor sit amet '.repeat(120_000);
    const before = env.logs.length;
    await assert.rejects(
      client(KEY).completions.create({ model: 'llama-3-8b', prompt, max_tokens: 4 }),
      (e: unknown) =>
        e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded' && /maximum context length/.test(e.message),
    );
    assert.ok(!env.logs.slice(before).some((l) => l.includes('engine_failed')), 'no engine was asked');
  });

  it('answers 413 in the OpenAI format above the body limit', async () => {
    const res = await fetch(`${env.baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'llama-3-8b', prompt: 'x'.repeat(9 * 1024 * 1024) }),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'request_too_large');
  });

  it('closes a connection that trickles its body past the body timeout', async () => {
    const url = new URL(env.baseUrl);
    const sock = tcpConnect({ host: url.hostname, port: Number(url.port) });
    const closed = closedBy(sock);
    sock.on('error', () => undefined);
    sock.write(
      `POST /v1/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`,
    );
    // One byte now and then, never the whole body: the server must give up on its own.
    const trickle = setInterval(() => sock.writable && sock.write(' '), 200);
    try {
      await closed;
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes an idle connection that never sends its headers', async () => {
    const url = new URL(env.baseUrl);
    const sock = tcpConnect({ host: url.hostname, port: Number(url.port) });
    sock.on('error', () => undefined);
    await closedBy(sock);
  });

  it('restarts a crashed service (with a log line) on a fresh metrics port, and serves again', async () => {
    const worker = env.cluster.services.find((s) => s.name === 'decode-1')!;
    const oldPid = worker.child.pid!;
    const oldMetricsPort = env.cluster.metricsPorts.get('decode-1')!;
    const exited = new Promise((resolve) => worker.child.once('exit', resolve));
    process.kill(oldPid, 'SIGKILL');
    await exited;
    // Another process takes the crashed service's metrics port before the restart (the restart waits 500 ms).
    const squatter = createServer();
    await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(oldMetricsPort, '127.0.0.1', resolve));
    after(() => squatter.close());
    await until(() => worker.child.pid !== oldPid, 'decode-1 restarted', 20_000);
    assert.ok(env.logs.some((l) => l.includes('[decode-1]') && l.includes('restarting in')));
    assert.notEqual(env.cluster.metricsPorts.get('decode-1'), oldMetricsPort);
    await env.cluster.waitReady(30_000); // its metrics answer on the new port
    await until(
      async () => {
        try {
          await client(KEY).completions.create({ model: 'llama-3-8b', prompt: 'again', max_tokens: 2 });
          return true;
        } catch {
          return false;
        }
      },
      'a request served after the restart',
      30_000,
      200,
    );
  });

  it('gives a worker started later its own NATS user (the server reloads its configuration)', async () => {
    await env.cluster.spawnWorker('decode-late', 'decode-worker', 7);
    const nc = await connect(env.cluster.natsConnectOptions());
    try {
      const registry = await new Kvm(nc).open(kvBuckets.workers);
      await until(async () => (await registry.get('decode-late')) !== null, 'decode-late registered', 30_000, 100);
    } finally {
      await nc.close();
    }
  });
});

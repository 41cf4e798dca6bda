// Property-based fuzzing of the HTTP API (fast-check): random methods, paths, headers and bodies, from
// garbage to nearly valid OpenAI requests. Every reply must be a well-formed OpenAI-format error or a valid
// response, never a 500, and the ingress must still serve a normal request afterwards. 10,000 cases go
// into the ingress's own request handler without sockets (light-my-request), a smaller sample through its
// real HTTP socket; both reach real in-process services over a real nats-server.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { inject } from 'light-my-request';
import { useInProcessFleet, FLEET_MODEL } from '../support/in-process-fleet.js';
import { useNatsServer } from '../support/nats-server.js';

/** Cases through the in-process handler (issue 14: at least 10,000 in CI). ATC_FUZZ_RUNS overrides. */
const HANDLER_RUNS = Number(process.env['ATC_FUZZ_RUNS'] ?? 10_000);
const SOCKET_RUNS = Math.max(50, Math.floor(HANDLER_RUNS / 20));

const PATHS = ['/v1/completions', '/v1/chat/completions', '/v1/models', '/health', '/livez', '/metrics', '/', '/v1', '/v1/completions/x'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** A value a field may get: the right type, a wrong one, or an edge. */
const anyField = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 40 }),
  fc.double(),
  fc.constantFrom(0, -1, 1e9, 2 ** 31, Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 20 }),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -1, max: 100_000 })), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
);

const message = fc.record(
  { role: fc.oneof(fc.constantFrom('system', 'user', 'assistant', 'tool', 'developer'), fc.string({ maxLength: 8 })), content: anyField },
  { requiredKeys: [] },
);

/** Nearly valid bodies: the known fields, each valid or not. */
const nearlyValid = fc.record(
  {
    model: fc.oneof(fc.constant(FLEET_MODEL), fc.constant(FLEET_MODEL), anyField),
    prompt: fc.oneof(fc.string({ maxLength: 60 }), anyField),
    messages: fc.oneof(fc.array(message, { maxLength: 3 }), anyField),
    max_tokens: fc.oneof(fc.integer({ min: 1, max: 3 }), anyField),
    temperature: anyField,
    top_p: anyField,
    seed: anyField,
    stop: anyField,
    stream: fc.oneof(fc.boolean(), anyField),
    stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }), anyField),
    n: anyField,
    ignore_eos: anyField,
    user: anyField,
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 5, arbitrary: nearlyValid.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '{', '{"model":', 'null', '[]', '"x"', '\u0000\u0001', '{"model":"test-model","prompt":"\uD800"}'),
  },
);

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const headers = fc.record(
  {
    'content-type': fc.oneof(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), headerValue),
    'x-session-id': headerValue,
    'x-atc-priority': headerValue,
    'x-slo-ttft-ms': headerValue,
    authorization: headerValue,
    accept: headerValue,
  },
  { requiredKeys: [] },
);

const query = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((q) => `?${q}`),
);
/** Mostly bodies POSTed to the inference routes (where validation lives), the rest anything anywhere. */
const httpCase = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      method: fc.constant('POST'),
      path: fc.constantFrom('/v1/completions', '/v1/chat/completions'),
      query,
      headers,
      body,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      method: fc.constantFrom(...METHODS),
      path: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...PATHS) },
        { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
      ),
      query,
      headers,
      body,
    }),
  },
);

type HttpCase = typeof httpCase extends fc.Arbitrary<infer T> ? T : never;

/** Throws (naming what is wrong) unless the reply is a valid response or a well-formed OpenAI error. */
function checkReply(c: HttpCase, status: number, contentType: string, payload: string): void {
  const what = `${c.method} ${c.path} -> ${status}: ${payload.slice(0, 200)}`;
  assert.ok(status < 500 || status === 503 || status === 502 || status === 504, `server error: ${what}`);
  if (c.path === '/metrics' && status === 200) return; // Prometheus text
  if (contentType.startsWith('text/event-stream')) {
    assert.equal(status, 200, what);
    const events = payload.split('\n\n').filter((e) => e.length > 0);
    assert.equal(events.at(-1), 'data: [DONE]', `stream ends with [DONE]: ${what}`);
    for (const e of events.slice(0, -1)) {
      assert.ok(e.startsWith('data: '), what);
      const chunk = JSON.parse(e.slice(6)) as { object?: string; error?: unknown };
      assert.ok(chunk.object !== undefined || chunk.error !== undefined, `chunk or error: ${what}`);
    }
    return;
  }
  assert.match(contentType, /^application\/json/, what);
  const parsed = JSON.parse(payload) as Record<string, unknown>;
  if (status >= 400) {
    const error = parsed['error'] as Record<string, unknown> | undefined;
    if (c.path === '/health' && status === 503) {
      assert.equal(parsed['status'], 'unavailable', what);
      return;
    }
    assert.ok(error, `an error object: ${what}`);
    assert.equal(typeof error['message'], 'string', what);
    assert.equal(typeof error['type'], 'string', what);
    assert.ok(error['code'] === null || typeof error['code'] === 'string', what);
    assert.ok(error['param'] === null || typeof error['param'] === 'string', what);
    return;
  }
  if (c.path === '/v1/completions') assert.equal(parsed['object'], 'text_completion', what);
  else if (c.path === '/v1/chat/completions') assert.equal(parsed['object'], 'chat.completion', what);
}

describe('fuzzing the HTTP API (fast-check, in-process services over real NATS)', function () {
  this.timeout(120_000);
  const nats = useNatsServer();
  describe('with a scheduler, a decode and a prefill worker and an ingress', function () {
    const env = useInProcessFleet(nats);
    let statuses: Record<number, number> = {};

    const normalRequestWorks = async () => {
      const res = await fetch(`${env.fleet.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: FLEET_MODEL, prompt: 'still there?', max_tokens: 2 }),
      });
      assert.equal(res.status, 200, await res.clone().text());
    };

    it(`answers ${HANDLER_RUNS} random requests into the handler with a valid response or a well-formed error, never a 500`, async () => {
      statuses = {};
      const listener = env.fleet.ingress.http.requestListener;
      await fc.assert(
        fc.asyncProperty(httpCase, async (c) => {
          const res = await inject(listener, {
            method: c.method,
            url: c.path + c.query,
            headers: c.headers as Record<string, string>,
            ...(c.method === 'GET' || c.method === 'OPTIONS' ? {} : { payload: c.body }),
          });
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          checkReply(c, res.statusCode, String(res.headers['content-type'] ?? ''), res.payload);
        }),
        { numRuns: HANDLER_RUNS, seed: Number(process.env['ATC_FUZZ_SEED'] ?? 14) },
      );
      process.stdout.write(`      [fuzz-http] handler: ${HANDLER_RUNS} cases, statuses ${JSON.stringify(statuses)}\n`);
      await normalRequestWorks();
    });

    it(`answers ${SOCKET_RUNS} random requests through the real HTTP socket the same way`, async () => {
      statuses = {};
      await fc.assert(
        fc.asyncProperty(httpCase, async (c) => {
          const res = await fetch(env.fleet.baseUrl + c.path + c.query, {
            method: c.method,
            headers: c.headers as Record<string, string>,
            ...(c.method === 'GET' ? {} : { body: c.body }),
            signal: AbortSignal.timeout(20_000),
          });
          const payload = await res.text();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          checkReply(c, res.status, res.headers.get('content-type') ?? '', payload);
        }),
        { numRuns: SOCKET_RUNS, seed: Number(process.env['ATC_FUZZ_SEED'] ?? 14) + 1 },
      );
      process.stdout.write(`      [fuzz-http] socket: ${SOCKET_RUNS} cases, statuses ${JSON.stringify(statuses)}\n`);
      await normalRequestWorks();
    });
  });
});

// The generated NATS permissions, checked as data: each role's subjects (the denials themselves are
// proven through a real nats-server in test/integration/nats-access-control.test.ts).
import assert from 'node:assert/strict';
import { NatsRole, authorizationBlock, generateUsers, permissionsFor } from '../../shared/nats/index.js';

/** NATS subject matching: `*` one token, `>` one or more trailing tokens. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const allowed = (list: readonly string[], subject: string) => list.some((p) => matches(p, subject));

describe('NATS permissions per role', () => {
  const client = permissionsFor(NatsRole.Client, 'alice');
  const worker = permissionsFor(NatsRole.Worker, 'worker-w1', 'w1');
  const ingress = permissionsFor(NatsRole.Ingress, 'ingress');
  const scheduler = permissionsFor(NatsRole.Scheduler, 'scheduler');
  const picking = permissionsFor(NatsRole.IngressScheduler, 'ingress');

  const rows: Array<[string, boolean, boolean]> = [
    // [what, actual, expected]
    ['client publishes the client API', allowed(client.publish.allow, 'atc.v1.chat.completions'), true],
    ['client subscribes its own inbox', allowed(client.subscribe.allow, '_INBOX.alice.abc'), true],
    ['client subscribes another inbox', allowed(client.subscribe.allow, '_INBOX.bob.abc'), false],
    ['client subscribes a worker subject', allowed(client.subscribe.allow, 'atc.worker.w1.generate'), false],
    ['client publishes a load report', allowed(client.publish.allow, 'atc.events.load.w1'), false],
    ['client writes the registry', allowed(client.publish.allow, '$KV.atc_workers.w9'), false],
    ['client uses JetStream', allowed(client.publish.allow, '$JS.API.INFO'), false],
    ['worker publishes its own load', allowed(worker.publish.allow, 'atc.events.load.w1'), true],
    ['worker publishes another load', allowed(worker.publish.allow, 'atc.events.load.w2'), false],
    ['worker writes its registry key', allowed(worker.publish.allow, '$KV.atc_workers.w1'), true],
    ['worker writes another registry key', allowed(worker.publish.allow, '$KV.atc_workers.w2'), false],
    ['worker subscribes its subjects', allowed(worker.subscribe.allow, 'atc.worker.w1.generate'), true],
    ['worker subscribes another worker', allowed(worker.subscribe.allow, 'atc.worker.w2.generate'), false],
    ['worker streams to the ingress', allowed(worker.publish.allow, '_INBOX.ingress.x'), true],
    ['worker streams to a client', allowed(worker.publish.allow, '_INBOX.alice.x'), false],
    ['worker deletes a bucket', allowed(worker.publish.allow, '$JS.API.STREAM.DELETE.KV_atc_workers'), false],
    ['ingress asks the schedulers', allowed(ingress.publish.allow, 'atc.sched.pick'), true],
    ['ingress publishes KV events', allowed(ingress.publish.allow, 'atc.events.kv.w1'), false],
    ['ingress writes the registry', allowed(ingress.publish.allow, '$KV.atc_workers.w1'), false],
    ['scheduler reads every event', allowed(scheduler.subscribe.allow, 'atc.events.kv.w1'), true],
    ['scheduler publishes KV events', allowed(scheduler.publish.allow, 'atc.events.kv.w1'), false],
    ['scheduler writes ownership', allowed(scheduler.publish.allow, '$KV.atc_prefix_owners.w1'), true],
    ['picking ingress reads KV events', allowed(picking.subscribe.allow, 'atc.events.kv.w1'), true],
    ['picking ingress reads completions', allowed(picking.subscribe.allow, 'atc.events.done.w1'), true],
    ['picking ingress reads load', allowed(picking.subscribe.allow, 'atc.events.load.w1'), true],
    ['picking ingress writes ownership', allowed(picking.publish.allow, '$KV.atc_prefix_owners.x'), true],
    ['picking ingress dispatches to workers', allowed(picking.publish.allow, 'atc.worker.w1.generate'), true],
    ['picking ingress serves the client API', allowed(picking.subscribe.allow, 'atc.v1.chat.completions'), true],
    ['picking ingress answers no pick subject', allowed(picking.subscribe.allow, 'atc.sched.pick'), false],
    ['picking ingress writes the registry', allowed(picking.publish.allow, '$KV.atc_workers.w1'), false],
    ['picking ingress reads another inbox', allowed(picking.subscribe.allow, '_INBOX.alice.x'), false],
    [
      'only workers publish KV events',
      [client, ingress, scheduler, picking].some((p) => allowed(p.publish.allow, 'atc.events.kv.w1')),
      false,
    ],
  ];
  for (const [what, actual, expected] of rows) it(`${expected ? 'allows' : 'denies'}: ${what}`, () => assert.equal(actual, expected));

  it('generates one user per worker with a distinct random password, and refuses duplicates', () => {
    const users = generateUsers(['d1', 'd2'], ['client']);
    assert.deepEqual([...users.workers.keys()], ['d1', 'd2']);
    assert.equal(new Set(users.all.map((u) => u.password)).size, users.all.length);
    assert.ok(users.all.every((u) => u.password.length >= 32));
    assert.throws(() => authorizationBlock([users.ingress, users.ingress]), /declared twice/);
    assert.throws(() => generateUsers(['bad.id']), /worker id/);
  });
});

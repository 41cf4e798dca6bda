import assert from 'node:assert/strict';
import { VirtualClock } from '../../../../shared/clock/index.js';
import { InflightLedger, type WorkerSnapshot } from '../../../../shared/scheduling/index.js';
import {
  FlowController,
  InvalidPriorityError,
  RejectReason,
  SloCapacity,
  type FlowControlOptions,
  type Rejection,
} from '../../../../shared/scheduling/flow-control/index.js';
import { MODEL, worker } from '../fixtures.js';

/**
 * One worker, prefill at 1,000 tokens/s, TTFT budget 1,000 ms with half for the engine: a 400-token
 * request is admitted while at most 100 tokens of prefill are ahead of it, so exactly one runs at a time.
 * Dispatches assign into a real in-flight ledger; finish() frees a request's prefill.
 */
function harness(options: FlowControlOptions = {}, workers: WorkerSnapshot[] = [worker('w1')]) {
  const clock = new VirtualClock();
  const inflight = new InflightLedger();
  const admitted: Array<{ id: string; waitedMs: number }> = [];
  const rejected: Array<{ id: string; rejection: Rejection }> = [];
  const fc = new FlowController<string>(
    new SloCapacity({ prefillTokensPerS: 1000, engineShare: 0.5 }),
    clock,
    () => ({ workers, state: { blockSize: 16, inflight } }),
    {
      admit: (r, waitedMs) => {
        inflight.assign('w1', r.id, r.inputTokens, r.outputTokens, clock.now());
        admitted.push({ id: r.id, waitedMs });
      },
      reject: (r, rejection) => rejected.push({ id: r.id, rejection }),
    },
    { defaultTtftBudgetMs: 1000, engineShare: 0.5, ...options },
  );
  const submit = (id: string, priority?: string, extra: Record<string, string> = {}, maxQueueMs?: number) =>
    fc.submit({
      id,
      model: MODEL,
      headers: { ...(priority ? { 'x-atc-priority': priority } : {}), ...extra },
      promptTokens: 400,
      maxTokens: 10,
      ...(maxQueueMs !== undefined ? { maxQueueMs } : {}),
      payload: id,
    });
  const finish = (id: string) => {
    inflight.finish(id);
    fc.pump();
  };
  return { clock, fc, admitted, rejected, submit, finish, ids: () => admitted.map((a) => a.id) };
}

describe('flow-controller', () => {
  it('admits at once while the fleet has room', () => {
    const h = harness();
    h.submit('a');
    assert.deepEqual(h.admitted, [{ id: 'a', waitedMs: 0 }]);
  });

  it('queues past saturation and dispatches as capacity frees, critical before standard before sheddable', () => {
    const h = harness();
    h.submit('busy');
    h.submit('s1', 'sheddable');
    h.submit('n1', 'standard');
    h.submit('c1', 'critical');
    assert.deepEqual(h.ids(), ['busy']);
    assert.equal(h.fc.queued, 3);
    h.clock.runUntil(100);
    h.finish('busy');
    h.finish('c1');
    h.finish('n1');
    assert.deepEqual(h.ids(), ['busy', 'c1', 'n1', 's1']);
    assert.equal(h.admitted[1]!.waitedMs, 100);
  });

  const rejectRows: Array<{ name: string; run: (h: ReturnType<typeof harness>) => void; want: Array<[string, RejectReason, number]> }> = [
    // Budget 1,000 ms, engine share 0.5: a request may wait 500 ms.
    {
      name: 'times out after its budget’s queue share',
      run: (h) => (h.submit('busy'), h.submit('late'), h.clock.runUntil(600)),
      want: [['late', RejectReason.QueueTimeout, 429]],
    },
    // x-slo-ttft-ms 4,000: it may wait 2,000 ms, so it is still queued at 600 ms.
    {
      name: 'a larger x-slo-ttft-ms waits longer',
      run: (h) => (h.submit('busy'), h.submit('patient', undefined, { 'x-slo-ttft-ms': '4000' }), h.clock.runUntil(600)),
      want: [],
    },
    // The caller waits 0 ms: saturated now means 429 now.
    {
      name: 'maxQueueMs 0 rejects at once when saturated',
      run: (h) => (h.submit('busy'), h.submit('now', undefined, {}, 0)),
      want: [['now', RejectReason.QueueTimeout, 429]],
    },
    // Queue of 1: a standard arrival sheds the queued sheddable; a second standard finds no lower work: full.
    {
      name: 'full queue sheds lower priority, then refuses',
      run: (h) => (h.submit('busy'), h.submit('s', 'sheddable'), h.submit('n1'), h.submit('n2')),
      want: [
        ['s', RejectReason.Shed, 429],
        ['n2', RejectReason.QueueFull, 429],
      ],
    },
    // A standard request timing out sheds the sheddable one queued behind it first (sheddable before standard).
    {
      name: 'sheddable is shed before a standard request times out',
      run: (h) => (
        h.submit('busy'),
        h.submit('n'),
        h.clock.runUntil(200),
        h.submit('s', 'sheddable', { 'x-slo-ttft-ms': '60000' }),
        h.clock.runUntil(600)
      ),
      want: [
        ['s', RejectReason.Shed, 429],
        ['n', RejectReason.QueueTimeout, 429],
      ],
    },
  ];
  for (const r of rejectRows)
    it(r.name, () => {
      const h = harness({ maxQueued: r.name.startsWith('full') ? 1 : 1024 });
      r.run(h);
      assert.deepEqual(
        h.rejected.map((x) => [x.id, x.rejection.reason, x.rejection.status]),
        r.want,
      );
      for (const x of h.rejected) assert.ok(x.rejection.retryAfterMs >= 1000 && x.rejection.retryAfterMs <= 60_000);
    });

  it('critical is never shed while lower work waits: the queue full of critical refuses the newcomer instead', () => {
    const h = harness({ maxQueued: 1 });
    h.submit('busy');
    h.submit('c1', 'critical');
    h.submit('c2', 'critical');
    assert.deepEqual(
      h.rejected.map((x) => [x.id, x.rejection.reason]),
      [['c2', RejectReason.QueueFull]],
    );
  });

  it('no worker for the model: 503 at once, nothing queued', () => {
    const h = harness({}, []);
    h.submit('a');
    assert.deepEqual(
      h.rejected.map((x) => [x.id, x.rejection.reason, x.rejection.status]),
      [['a', RejectReason.NoWorker, 503]],
    );
    assert.equal(h.fc.queued, 0);
  });

  it('a bad x-atc-priority throws before anything changes', () => {
    const h = harness();
    assert.throws(() => h.submit('a', 'urgent'), InvalidPriorityError);
    assert.equal(h.admitted.length + h.rejected.length + h.fc.queued, 0);
  });

  it('cancel() forgets a queued request; close() rejects the rest with 503', () => {
    const h = harness();
    h.submit('busy');
    h.submit('gone');
    h.submit('left');
    assert.equal(h.fc.cancel('gone'), true);
    h.fc.close();
    assert.deepEqual(
      h.rejected.map((x) => [x.id, x.rejection.reason, x.rejection.status]),
      [['left', RejectReason.Closed, 503]],
    );
    h.submit('after');
    assert.equal(h.rejected.at(-1)?.id, 'after');
  });

  it('tenants share a saturated fleet by tokens: a tenant sending 10× gets no more than its share', () => {
    const h = harness();
    h.submit('busy');
    for (let i = 0; i < 10; i++) h.submit(`heavy-${i}`, 'standard', { 'x-atc-tenant': 'heavy' });
    h.submit('light-0', 'standard', { 'x-atc-tenant': 'light' });
    h.finish('busy');
    h.finish('heavy-0');
    // heavy was served once; light, waiting, goes next.
    assert.deepEqual(h.ids().slice(0, 3), ['busy', 'heavy-0', 'light-0']);
  });
});

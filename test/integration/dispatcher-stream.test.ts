// The ingress dispatcher against workers that misbehave mid-stream, through a real nats-server: fake
// workers written here speak the real protocol (generate.request.v1 in, generate.accepted.v1 and
// stream.*.v1 out, real codec and subjects) and misbehave on cue. A stream that falls silent ends as
// worker_lost after the configured silence; keepalives hold it open; a sequence gap (a lost stream
// message) ends it as worker_lost instead of dropping tokens; the worker is told to cancel each time.
import assert from 'node:assert/strict';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { Dispatcher, defaultDispatcherOptions, type DispatchEvent, type DispatcherOptions } from '../../services/ingress/dispatcher.js';
import { ApiKind, type InferenceJob } from '../../services/ingress/openai-request.js';
import {
  AtcError,
  ErrorCode,
  decodeMessage,
  encodeMessage,
  workerSubjects,
  type GenerateRequestV1,
  type StreamMessageV1,
} from '../../shared/protocol/index.js';
import { ingressMetrics } from '../../shared/telemetry/index.js';
import { FakeScheduler } from '../support/fake-scheduler.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';
import { testLogger } from '../support/quiet-logger.js';

const MODEL = 'test-model';
const JOB: InferenceJob = {
  kind: ApiKind.Completion,
  model: MODEL,
  prompt: { text: 'hello' },
  sampling: { maxTokens: 16 },
  stream: true,
  includeUsage: false,
};

/** The stream of one accepted request, published to its streamTo subject with sequence numbers the script chooses. */
class FakeStream {
  constructor(
    private readonly nc: NatsConnection,
    private readonly request: GenerateRequestV1,
  ) {}

  private send(message: StreamMessageV1): void {
    this.nc.publish(this.request.streamTo, encodeMessage(message));
  }

  tokens(seq: number, text: string): void {
    this.send({ type: 'stream.tokens.v1', requestId: this.request.requestId, seq, text, tokenCount: 1 });
  }

  keepalive(seq: number): void {
    this.send({ type: 'stream.keepalive.v1', requestId: this.request.requestId, seq });
  }

  finished(seq: number, completionTokens: number, whole?: { readonly text: string; readonly sinceFirstTokenMs: number }): void {
    this.send({
      type: 'stream.finished.v1',
      requestId: this.request.requestId,
      seq,
      finishReason: 'length',
      promptTokens: 1,
      completionTokens,
      cachedPromptTokens: 0,
      engineTtftMs: 1,
      queuedMs: 0,
      ...(whole ?? {}),
    });
  }
}

type Script = (stream: FakeStream) => void | Promise<void>;

/** A decode worker on the real subjects that accepts every request and then runs the script it is given. */
class FakeWorker {
  readonly requests: GenerateRequestV1[] = [];
  readonly cancels: string[] = [];
  /** Request ids accepted, in order. */
  readonly accepted: string[] = [];
  script: Script = () => undefined;
  /** Accept only after the script ran (its stream messages reach the requester before the acceptance). */
  acceptAfterScript = false;
  private readonly subs: Subscription[];

  constructor(
    private readonly nc: NatsConnection,
    readonly workerId: string,
  ) {
    this.subs = [
      nc.subscribe(workerSubjects.generate(workerId), {
        callback: (_err, msg) => {
          const request = decodeMessage(msg.data, 'generate.request.v1');
          this.requests.push(request);
          const accept = () => {
            msg.respond(encodeMessage({ type: 'generate.accepted.v1', requestId: request.requestId, workerId }));
            this.accepted.push(request.requestId);
          };
          if (!this.acceptAfterScript) accept();
          void Promise.resolve(this.script(new FakeStream(this.nc, request)))
            .then(() => {
              if (this.acceptAfterScript) accept();
            })
            .catch((err: unknown) => {
              process.stderr.write(`fake worker ${workerId} script failed: ${String(err)}\n`);
            });
        },
      }),
      nc.subscribe(workerSubjects.cancel(workerId), {
        callback: (_err, msg) => {
          this.cancels.push(decodeMessage(msg.data, 'cancel.v1').requestId);
        },
      }),
    ];
  }

  requestsFor(requestId: string): GenerateRequestV1[] {
    return this.requests.filter((r) => r.requestId === requestId);
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}

/** What the dispatcher yielded, how it ended, and when (performance.now ms). */
interface Outcome {
  readonly events: DispatchEvent[];
  readonly error?: unknown;
  /** When the consumer received the last event (or the run started, if none came). */
  readonly lastEventAt: number;
  readonly endedAt: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const texts = (o: Outcome) => o.events.flatMap((e) => (e.type === 'tokens' ? [e.text] : []));

describe('dispatcher stream failures (real NATS, fake workers speaking the protocol)', function () {
  this.timeout(30_000);
  // Outer hooks: the server stops after the inner suite's hooks have closed every connection.
  const nats = useNatsServer();

  describe('with fake workers fa and fb and a fake scheduler', function () {
    let ingressNc: NatsConnection;
    let fleetNc: NatsConnection;
    let scheduler: FakeScheduler;
    let fa: FakeWorker;
    let fb: FakeWorker;

    before(async () => {
      ingressNc = await connect({ servers: nats.url });
      fleetNc = await connect({ servers: nats.url });
      scheduler = new FakeScheduler(fleetNc, ['fa', 'fb']);
      fa = new FakeWorker(fleetNc, 'fa');
      fb = new FakeWorker(fleetNc, 'fb');
      await fleetNc.flush();
    });

    after(async () => {
      scheduler?.stop();
      fa?.stop();
      fb?.stop();
      await ingressNc?.close();
      await fleetNc?.close();
    });

    beforeEach(() => {
      scheduler.workers = ['fa', 'fb'];
      fa.script = () => undefined;
      fb.script = () => undefined;
      fa.acceptAfterScript = false;
    });

    function dispatcher(options: Partial<DispatcherOptions>): Dispatcher {
      return new Dispatcher(ingressNc, { ...defaultDispatcherOptions, ...options }, ingressMetrics(new Registry()), testLogger('ingress'));
    }

    async function drive(d: Dispatcher, requestId: string, job: InferenceJob = JOB): Promise<Outcome> {
      const events: DispatchEvent[] = [];
      let lastEventAt = performance.now();
      try {
        for await (const event of d.run(requestId, job, {}, new AbortController().signal)) {
          events.push(event);
          lastEventAt = performance.now();
        }
        return { events, lastEventAt, endedAt: performance.now() };
      } catch (error) {
        return { events, error, lastEventAt, endedAt: performance.now() };
      }
    }

    function assertAtcError(outcome: Outcome, code: string, message: RegExp): AtcError {
      assert.ok(
        outcome.error instanceof AtcError,
        `expected an AtcError, got ${outcome.error === undefined ? 'success' : String(outcome.error)}`,
      );
      assert.equal(outcome.error.code, code);
      assert.match(outcome.error.message, message);
      return outcome.error;
    }

    it('asks a non-streamed request so, and yields its whole text once, before the result', async () => {
      fa.script = (s) => s.finished(0, 3, { text: 'one two three', sinceFirstTokenMs: 12 });
      const d = dispatcher({});
      const outcome = await drive(d, 'whole', { ...JOB, stream: false });
      assert.equal(outcome.error, undefined);
      assert.equal(fa.requestsFor('whole')[0]?.stream, false, 'the worker is told not to stream');
      assert.deepEqual(outcome.events[0], { type: 'tokens', text: 'one two three', tokenCount: 3, sinceFirstTokenMs: 12 });
      assert.equal(outcome.events[1]?.type, 'finished');
      assert.equal(outcome.events.length, 2);
      assert.equal(d.openStreams, 0, 'the request closed its stream');
    });

    it('takes stream messages that come before the acceptance as accepted, and skips the late acceptance', async () => {
      fa.acceptAfterScript = true;
      fa.script = (s) => {
        s.tokens(0, 'early ');
        s.tokens(1, 'bird');
      };
      const d = dispatcher({});
      const run = drive(d, 'late-accept');
      // The finish goes out after the late acceptance: the dispatcher must read past it.
      await until(() => fa.accepted.includes('late-accept'), 'fa to accept after its first tokens');
      const request = fa.requestsFor('late-accept')[0]!;
      new FakeStream(fleetNc, request).finished(2, 2);
      const outcome = await run;
      assert.equal(outcome.error, undefined, String(outcome.error));
      assert.deepEqual(texts(outcome), ['early ', 'bird']);
      assert.equal(outcome.events.at(-1)?.type, 'finished');
      assert.equal(scheduler.picksFor('late-accept').length, 1, 'no retry');
    });

    it('retries at once on another worker when the picked one has no subscriber (no responders)', async () => {
      scheduler.workers = ['gone', 'fb'];
      fb.script = (s) => s.finished(0, 0);
      const d = dispatcher({ acceptTimeoutMs: 10_000 });
      const t0 = performance.now();
      const outcome = await drive(d, 'no-responders');
      assert.equal(outcome.error, undefined);
      // nats-server's 503 status, not the 10 s acceptance timeout, ended the first attempt.
      assert.ok(outcome.endedAt - t0 < 5_000, `took ${(outcome.endedAt - t0).toFixed(0)} ms`);
      assert.deepEqual(
        scheduler.picksFor('no-responders').map((p) => p.excludeWorkers),
        [[], ['gone']],
      );
      assert.equal(fb.requestsFor('no-responders').length, 1);
      assert.equal(d.openStreams, 0);
    });

    it('ends a request as worker_lost when its worker falls silent after some tokens', async () => {
      const idleMs = 300;
      fa.script = (s) => {
        s.tokens(0, 'Hel');
        s.tokens(1, 'lo');
        // ...and nothing more: no tokens, no keepalives, no finish.
      };
      const outcome = await drive(dispatcher({ streamIdleTimeoutMs: idleMs }), 'silent-mid-stream');
      assertAtcError(outcome, ErrorCode.WorkerLost, /worker fa went silent for 300 ms/);
      assert.deepEqual(texts(outcome), ['Hel', 'lo'], 'the tokens before the silence reach the caller');
      const silence = outcome.endedAt - outcome.lastEventAt;
      assert.ok(silence >= idleMs - 5, `gave up after ${silence.toFixed(0)} ms of silence, before the ${idleMs} ms timeout`);
      // The configured timeout decides, not the 5 s default.
      assert.ok(silence < defaultDispatcherOptions.streamIdleTimeoutMs - 2_000, `gave up only after ${silence.toFixed(0)} ms`);
      // Tokens went out already, so no other worker is tried (its output would be spliced onto them).
      assert.equal(scheduler.picksFor('silent-mid-stream').length, 1);
      assert.equal(fb.requestsFor('silent-mid-stream').length, 0);
      await until(() => fa.cancels.includes('silent-mid-stream'), 'the silent worker to be told to cancel');
    });

    it('keeps a stream that only sends keepalives open well past the silence timeout', async () => {
      const idleMs = 1_000;
      fa.script = async (s) => {
        s.tokens(0, 'a');
        let seq = 1;
        // 2.5 × the timeout without a token, a keepalive every 250 ms (workers send one a second).
        for (; seq <= 10; seq++) {
          await pause(250);
          s.keepalive(seq);
        }
        s.tokens(seq++, 'b');
        s.finished(seq, 2);
      };
      const startedAt = performance.now();
      const outcome = await drive(dispatcher({ streamIdleTimeoutMs: idleMs }), 'keepalives');
      assert.equal(outcome.error, undefined, `failed: ${String(outcome.error)}`);
      assert.ok(outcome.endedAt - startedAt >= 2 * idleMs, 'the stream lasted past twice the silence timeout');
      assert.deepEqual(texts(outcome), ['a', 'b']);
      const last = outcome.events.at(-1);
      assert.equal(last?.type, 'finished');
      assert.equal(last.type === 'finished' ? last.workerId : undefined, 'fa');
      assert.deepEqual(
        fa.cancels.filter((id) => id === 'keepalives'),
        [],
        'a finished stream is not cancelled',
      );
    });

    it('retries on another worker when the first accepts and falls silent before any token', async () => {
      fb.script = (s) => {
        s.tokens(0, 'from b');
        s.finished(1, 1);
      };
      const outcome = await drive(dispatcher({ streamIdleTimeoutMs: 300 }), 'silent-before-tokens');
      assert.equal(outcome.error, undefined, `failed: ${String(outcome.error)}`);
      assert.deepEqual(texts(outcome), ['from b']);
      const picks = scheduler.picksFor('silent-before-tokens');
      assert.deepEqual(
        picks.map((p) => p.excludeWorkers),
        [[], ['fa']],
      );
      await until(() => fa.cancels.includes('silent-before-tokens'), 'the silent worker to be told to cancel');
    });

    it('ends a stream with a sequence gap as worker_lost instead of dropping the lost tokens', async () => {
      fa.script = (s) => {
        s.tokens(0, 'a');
        // seq 1 ('b') is lost on the way.
        s.tokens(2, 'c');
        s.finished(3, 3);
      };
      const outcome = await drive(dispatcher({ streamIdleTimeoutMs: 2_000 }), 'gap');
      const err = assertAtcError(outcome, ErrorCode.WorkerLost, /stream from worker fa lost messages \(expected 1, got 2\)/);
      assert.equal(err.retryable, false);
      assert.deepEqual(texts(outcome), ['a'], 'nothing after the gap reaches the caller');
      assert.ok(
        outcome.events.every((e) => e.type !== 'finished'),
        'a stream with a gap never reports success',
      );
      assert.equal(scheduler.picksFor('gap').length, 1);
      await until(() => fa.cancels.includes('gap'), 'the worker to be told to cancel');
    });

    it('counts a lost keepalive as a gap too', async () => {
      scheduler.workers = ['fa'];
      fa.script = (s) => {
        s.keepalive(0);
        s.keepalive(2);
        s.tokens(3, 'late');
        s.finished(4, 1);
      };
      const outcome = await drive(dispatcher({ streamIdleTimeoutMs: 2_000 }), 'keepalive-gap');
      assertAtcError(outcome, ErrorCode.WorkerLost, /lost messages \(expected 1, got 2\)/);
      assert.deepEqual(outcome.events, []);
      await until(() => fa.cancels.includes('keepalive-gap'), 'the worker to be told to cancel');
    });
  });
});

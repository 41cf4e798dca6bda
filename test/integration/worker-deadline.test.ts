// Request deadlines in a decode worker, through a real nats-server with a real WorkerRuntime over a
// SimEngine that runs one sequence at a time (so a second request queues): a request whose deadline
// passes while it runs, or while it waits in the engine's queue, is aborted down to the engine (its
// engine request is gone and its KV blocks are free) and its requester gets deadline_exceeded.
import assert from 'node:assert/strict';
import { connect, createInbox, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { Dispatcher, defaultDispatcherOptions } from '../../services/ingress/dispatcher.js';
import { toHttpError } from '../../services/ingress/openai-errors.js';
import { ApiKind } from '../../services/ingress/openai-request.js';
import { SimEngine } from '../../shared/engine/sim/index.js';
import {
  AtcError,
  ErrorCode,
  decodeMessage,
  encodeMessage,
  eventSubjects,
  workerSubjects,
  type RequestCompletedV1,
  type StreamMessageV1,
} from '../../shared/protocol/index.js';
import { ingressMetrics } from '../../shared/telemetry/index.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import { FakeScheduler } from '../support/fake-scheduler.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';
import { testLogger } from '../support/quiet-logger.js';

const MODEL = 'test-model';
const WORKER = 'dw1';
/** Long enough (minutes of engine steps) that only an abort ends it within a test. */
const LONG = 5_000;

/** The requester's end of one generate request: its stream, read as it arrives. */
class StreamReader {
  readonly subject = createInbox();
  readonly messages: StreamMessageV1[] = [];
  /** The error or finish that ended the stream, and when it arrived (Date.now). */
  end: { readonly message: StreamMessageV1; readonly atMs: number } | undefined;
  private readonly sub: Subscription;

  constructor(nc: NatsConnection) {
    this.sub = nc.subscribe(this.subject, {
      callback: (_err, msg) => {
        const m = decodeMessage(msg.data, 'stream.tokens.v1', 'stream.finished.v1', 'stream.keepalive.v1', 'error.v1');
        this.messages.push(m);
        if (m.type === 'error.v1' || m.type === 'stream.finished.v1') this.end ??= { message: m, atMs: Date.now() };
      },
    });
  }

  get tokenMessages(): number {
    return this.messages.filter((m) => m.type === 'stream.tokens.v1').length;
  }

  async ended(timeoutMs = 10_000): Promise<{ readonly message: StreamMessageV1; readonly atMs: number }> {
    await until(() => this.end !== undefined, 'the stream to end', timeoutMs);
    return this.end!;
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

describe('request deadlines in a decode worker (real NATS, WorkerRuntime over a SimEngine)', function () {
  this.timeout(30_000);
  // Outer hooks: the server stops after the inner suite's hooks have closed every connection.
  const nats = useNatsServer();

  describe('with worker dw1, one sequence at a time', function () {
    let engine: SimEngine;
    let worker: WorkerRuntime;
    let nc: NatsConnection;
    let completedSub: Subscription;
    const completed: RequestCompletedV1[] = [];
    const readers: StreamReader[] = [];
    /** Request ids the current test sent. */
    let sent: string[] = [];

    before(async () => {
      engine = new SimEngine({ model: MODEL, profile: 'llama-3-8b-h100', seed: 1, engineId: WORKER, maxNumSeqs: 1 });
      worker = await WorkerRuntime.start({
        workerId: WORKER,
        role: 'decode',
        natsUrl: nats.url,
        logger: testLogger(WORKER),
        engine,
        keepaliveMs: 200,
      });
      nc = await connect({ servers: nats.url });
      completedSub = nc.subscribe(eventSubjects.completed(WORKER), {
        callback: (_err, msg) => {
          const m = decodeMessage(msg.data, 'request.completed.v1', 'request.first_token.v1');
          if (m.type === 'request.completed.v1') completed.push(m);
        },
      });
      await nc.flush();
    });

    after(async () => {
      for (const r of readers) r.close();
      completedSub?.unsubscribe();
      await nc?.close();
      await worker?.close();
    });

    afterEach(async () => {
      // Nothing a test started may outlive it: the next one counts on an idle engine.
      for (const requestId of sent) nc.publish(workerSubjects.cancel(WORKER), encodeMessage({ type: 'cancel.v1', requestId }));
      sent = [];
      await until(() => engine.core.activeRequests === 0 && worker.generate.activeRequests === 0, 'the engine to be idle again');
    });

    /** Sends generate.request.v1 as the ingress does; returns the worker's reply and the stream reader. */
    async function generate(requestId: string, deadlineMs: number, maxTokens = LONG, stream?: boolean) {
      const reader = new StreamReader(nc);
      readers.push(reader);
      sent.push(requestId);
      const reply = await nc.request(
        workerSubjects.generate(WORKER),
        encodeMessage({
          type: 'generate.request.v1',
          requestId,
          model: MODEL,
          prompt: { text: `prompt of ${requestId}` },
          sampling: { maxTokens, ignoreEos: true },
          streamTo: reader.subject,
          deadlineMs,
          ...(stream !== undefined ? { stream } : {}),
        }),
        { timeout: 5_000 },
      );
      return { reply: decodeMessage(reply.data, 'generate.accepted.v1', 'error.v1'), reader };
    }

    function assertContiguous(reader: StreamReader): void {
      assert.deepEqual(
        reader.messages.map((m) => m.seq),
        reader.messages.map((_, i) => i),
        'stream sequence numbers',
      );
    }

    async function assertEngineIdle(): Promise<void> {
      await until(() => {
        const load = engine.load();
        return engine.core.activeRequests === 0 && load.runningRequests === 0 && load.waitingRequests === 0 && load.kvCacheUsage === 0;
      }, 'the engine to drop the request and free its KV blocks');
      await until(() => worker.generate.activeRequests === 0, 'the worker to forget the request');
    }

    it('sends a non-streamed request no token messages: the finished message carries the whole text', async () => {
      const deadline = Date.now() + 20_000;
      const whole = await generate('nostream-1', deadline, 6, false);
      assert.equal(whole.reply.type, 'generate.accepted.v1');
      const end = (await whole.reader.ended()).message;
      assert.equal(end.type, 'stream.finished.v1');
      if (end.type !== 'stream.finished.v1') return;
      assert.equal(whole.reader.tokenMessages, 0, 'no token messages');
      assert.equal(end.completionTokens, 6);
      assert.ok(end.text !== undefined && end.text.length > 0, 'the text in the result');
      assert.ok(end.sinceFirstTokenMs !== undefined && end.sinceFirstTokenMs >= 0, 'ms since the first token');
      assertContiguous(whole.reader);
      // Streamed (the default): one message per token, and a result without text.
      const streamed = await generate('stream-1', deadline, 6);
      const last = (await streamed.reader.ended()).message;
      assert.equal(streamed.reader.tokenMessages, 6);
      assert.ok(last.type === 'stream.finished.v1' && last.text === undefined && last.sinceFirstTokenMs === undefined);
    });

    it('aborts a running request at its deadline down to the engine and answers deadline_exceeded', async () => {
      const deadlineMs = Date.now() + 1_000;
      const { reply, reader } = await generate('running', deadlineMs);
      assert.equal(reply.type, 'generate.accepted.v1');
      // Accepting submits to the engine at once: the request holds the engine's only slot.
      assert.equal(engine.core.activeRequests, 1);
      const end = await reader.ended();
      assert.equal(end.message.type, 'error.v1');
      if (end.message.type !== 'error.v1') return;
      assert.equal(end.message.code, ErrorCode.DeadlineExceeded);
      assert.equal(end.message.retryable, false, 'tokens went out: the request cannot move to another worker');
      assert.ok(end.atMs >= deadlineMs - 5, `ended ${deadlineMs - end.atMs} ms before its deadline`);
      assert.ok(reader.tokenMessages > 0, 'the request was running (streaming tokens) when the deadline passed');
      assertContiguous(reader);
      await assertEngineIdle();
      await until(() => completed.some((c) => c.requestId === 'running'), 'the request-completed record');
      const record = completed.find((c) => c.requestId === 'running')!;
      assert.equal(record.finishReason, 'error');
      assert.ok(record.completionTokens < LONG);
    });

    it('aborts a request whose deadline passes while it waits in the engine queue', async () => {
      const blocker = await generate('blocker', Date.now() + 60_000);
      assert.equal(blocker.reply.type, 'generate.accepted.v1');
      await until(() => blocker.reader.tokenMessages > 0, 'the blocker to run');
      const deadlineMs = Date.now() + 1_000;
      const { reply, reader } = await generate('queued', deadlineMs, 8);
      assert.equal(reply.type, 'generate.accepted.v1');
      assert.deepEqual(
        [engine.load().runningRequests, engine.load().waitingRequests],
        [1, 1],
        'the second request queues behind the first',
      );

      const end = await reader.ended();
      assert.equal(end.message.type, 'error.v1');
      if (end.message.type !== 'error.v1') return;
      assert.equal(end.message.code, ErrorCode.DeadlineExceeded);
      assert.ok(end.atMs >= deadlineMs - 5, `ended ${deadlineMs - end.atMs} ms before its deadline`);
      assert.equal(reader.tokenMessages, 0, 'it never left the queue');
      assert.ok(
        reader.messages.slice(0, -1).every((m) => m.type === 'stream.keepalive.v1'),
        'only keepalives while queued',
      );
      assertContiguous(reader);
      // Gone from the engine's queue; the running request is untouched.
      await until(() => engine.load().waitingRequests === 0 && engine.core.activeRequests === 1, 'the engine to drop the queued request');
      await until(() => worker.generate.activeRequests === 1, 'the worker to forget the queued request');
      assert.equal(engine.load().runningRequests, 1);
      const before = blocker.reader.tokenMessages;
      await until(() => blocker.reader.tokenMessages > before, 'the blocker to keep streaming');
      assert.equal(blocker.reader.end, undefined);

      nc.publish(workerSubjects.cancel(WORKER), encodeMessage({ type: 'cancel.v1', requestId: 'blocker' }));
      const blockerEnd = await blocker.reader.ended();
      assert.equal(blockerEnd.message.type === 'error.v1' ? blockerEnd.message.code : blockerEnd.message.type, ErrorCode.Cancelled);
      await assertEngineIdle();
    });

    it('refuses a request whose deadline passed before it arrived, without touching the engine', async () => {
      const queriesBefore = engine.load().prefixCacheQueries;
      const { reply, reader } = await generate('late', Date.now() - 1);
      assert.equal(reply.type, 'error.v1');
      if (reply.type !== 'error.v1') return;
      assert.equal(reply.code, ErrorCode.DeadlineExceeded);
      assert.equal(engine.core.activeRequests, 0);
      assert.equal(engine.load().prefixCacheQueries, queriesBefore);
      assert.equal(worker.generate.activeRequests, 0);
      assert.deepEqual(reader.messages, []);
    });

    it('ends the ingress request as deadline_exceeded (HTTP 504) when the deadline passes mid-stream', async () => {
      const scheduler = new FakeScheduler(nc, [WORKER]);
      try {
        await nc.flush();
        const requestTimeoutMs = 1_000;
        const dispatcher = new Dispatcher(
          nc,
          { ...defaultDispatcherOptions, requestTimeoutMs },
          ingressMetrics(new Registry()),
          testLogger('ingress'),
        );
        const startedAt = Date.now();
        sent.push('via-ingress');
        let tokens = 0;
        let failure: unknown;
        try {
          for await (const event of dispatcher.run(
            'via-ingress',
            {
              kind: ApiKind.Completion,
              model: MODEL,
              prompt: { text: 'tell a long story' },
              sampling: { maxTokens: LONG, ignoreEos: true },
              stream: true,
              includeUsage: false,
            },
            {},
            new AbortController().signal,
          )) {
            if (event.type === 'tokens') tokens++;
          }
        } catch (err) {
          failure = err;
        }
        assert.ok(failure instanceof AtcError, `expected an AtcError, got ${failure === undefined ? 'success' : String(failure)}`);
        assert.equal(failure.code, ErrorCode.DeadlineExceeded);
        assert.equal(toHttpError(failure).status, 504);
        assert.ok(tokens > 0, 'the request streamed before its deadline');
        assert.ok(Date.now() - startedAt >= requestTimeoutMs - 5);
        assert.equal(scheduler.picksFor('via-ingress').length, 1, 'a deadline is not retried elsewhere');
        await assertEngineIdle();
      } finally {
        scheduler.stop();
      }
    });
  });
});

// SchedulingFeed resync after a KV-event gap, through a real nats-server and a real SchedulerService:
// the test plays the workers, publishing vLLM-layout KV event batches on atc.events.kv.<id> with the
// batch sequence number in header Atc-Seq (as KvEventForwarder does), registering in the worker
// registry and reporting request completions. When a worker's sequence skips (a lost batch), the
// prefix index drops that worker's entries, picks stop counting its stale cache, and later events
// rebuild it; other workers are untouched. Also: the block hashes a pick request carries (computed by the
// ingress, off the decision thread) are what the scheduler matches, when they fit its block size.
import assert from 'node:assert/strict';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import type { Engine, KvCacheEvent, KvEventListener } from '../../shared/engine/types.js';
import { encodeKvEventBatch } from '../../shared/engine/vllm/index.js';
import { decodeMessage, encodeMessage, eventSubjects, schedulerPick, type PickRequestV1 } from '../../shared/protocol/index.js';
import { computeBlockHashes } from '../../shared/scheduling/index.js';
import { openWorkerRegistry } from '../../shared/fleet/index.js';
import { KvEventForwarder } from '../../services/worker/kv-event-forwarder.js';
import { EventOutbox } from '../../services/worker/event-outbox.js';
import { AtcHeader } from '../../shared/protocol/index.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';

const MODEL = 'test-model';
const BLOCK = 16;

/** Prompt A (10 blocks) is cached on kw1, prompt B (8 blocks) on kw2. */
const A = Array.from({ length: 10 * BLOCK }, (_, i) => 1_000 + i);
const B = Array.from({ length: 8 * BLOCK }, (_, i) => 50_000 + i);
/** Engine block hashes (vLLM's are integers): block i of a worker's prompt. */
const hashes = (base: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(base + from + i));
const KW1 = 7_100_000;
const KW2 = 7_200_000;

function stored(blockHashes: string[], parent: string | null, tokenIds: readonly number[]): KvCacheEvent {
  return { type: 'BlockStored', blockHashes, parentBlockHash: parent, tokenIds, blockSize: BLOCK, loraId: null, medium: 'GPU' };
}

interface LogLine {
  readonly msg: string;
  readonly workerId?: string;
  readonly reason?: string;
}

describe('SchedulingFeed resync after a KV-event gap (real NATS, SchedulerService)', function () {
  this.timeout(30_000);
  // Outer hooks: the server stops after the inner suite's hooks have closed every connection.
  const nats = useNatsServer();

  describe('with workers kw1 and kw2 played by the test', function () {
    let service: SchedulerService;
    let nc: NatsConnection;
    let heartbeat: NodeJS.Timeout | undefined;
    const logs: LogLine[] = [];
    let picks = 0;
    /** Workers the heartbeat keeps registered: the feed drops events of any other id. */
    const registered = ['kw1', 'kw2'];
    let beat: () => Promise<unknown> = () => Promise.resolve();

    const index = () => service.scheduler.state.prefixIndex;
    const blocksOf = (workerId: string) => index().workerBlockCount(workerId);
    const resyncs = (workerId: string) => logs.filter((l) => l.workerId === workerId && /resynced/.test(l.msg));

    before(async () => {
      // warn: the level the feed reports a resync at.
      const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
      service = await SchedulerService.start({ natsUrl: nats.url, logger, replicaId: 'resync' });
      nc = await connect({ servers: nats.url });
      const registry = await openWorkerRegistry(nc);
      const startedAtMs = Date.now();
      beat = () =>
        Promise.all(
          registered.map((workerId) =>
            registry.put(
              workerId,
              encodeMessage({
                type: 'worker.registration.v1',
                workerId,
                role: 'decode',
                models: [MODEL],
                engineKind: 'sim',
                startedAtMs,
                heartbeatAtMs: Date.now(),
              }),
            ),
          ),
        );
      await beat();
      heartbeat = setInterval(() => void beat().catch(() => undefined), 500);
      await until(() => service.directory.live().length === 2, 'the scheduler to see both workers');
    });

    after(async () => {
      clearInterval(heartbeat);
      await nc?.close();
      await service?.close();
    });

    /** Publishes one KV event batch of a worker as KvEventForwarder does. */
    function publishBatch(workerId: string, seq: number, ...events: KvCacheEvent[]): void {
      const h = natsHeaders();
      h.set(AtcHeader.KvSeq, String(seq));
      nc.publish(eventSubjects.kv(workerId), encodeKvEventBatch({ ts: Date.now() / 1000, events, dataParallelRank: null }), { headers: h });
    }

    /** Asks the scheduler over NATS where `tokenIds` should run; the worker then reports it done, as workers do. */
    async function pick(
      tokenIds: readonly number[],
      extra: Partial<PickRequestV1> = {},
    ): Promise<{ readonly workerId: string; readonly cachedBlocks: number }> {
      const requestId = `pick-${++picks}`;
      const reply = await nc.request(
        schedulerPick,
        encodeMessage({
          type: 'pick.request.v1',
          requestId,
          model: MODEL,
          prompt: { tokenIds },
          maxTokens: 4,
          headers: {},
          excludeWorkers: [],
          deadlineMs: Date.now() + 10_000,
          ...extra,
        }),
        { timeout: 5_000 },
      );
      const msg = decodeMessage(reply.data, 'pick.reply.v1', 'error.v1');
      if (msg.type === 'error.v1') throw new Error(`pick failed: ${msg.code}: ${msg.message}`);
      const cached = /cachedBlocks=(\d+)/.exec(msg.reason);
      assert.ok(cached, `no cachedBlocks in the pick reason: ${msg.reason}`);
      // Settle the scheduler's in-flight accounting, so the next pick sees an idle fleet but for the cache.
      nc.publish(
        eventSubjects.completed(msg.decodeWorkerId),
        encodeMessage({
          type: 'request.completed.v1',
          workerId: msg.decodeWorkerId,
          requestId,
          finishReason: 'length',
          promptTokens: tokenIds.length,
          cachedPromptTokens: 0,
          completionTokens: 4,
          ttftMs: 5,
          e2eMs: 20,
          runningAtArrival: 0,
          waitingAtArrival: 0,
        }),
      );
      await until(() => service.scheduler.state.inflight.size === 0, 'the scheduler to settle the request');
      return { workerId: msg.decodeWorkerId, cachedBlocks: Number(cached[1]) };
    }

    it("drops a worker's entries on a sequence gap, stops routing on them, and rebuilds from new events", async () => {
      publishBatch('kw1', 0, stored(hashes(KW1, 0, 8), null, A.slice(0, 8 * BLOCK)));
      publishBatch('kw2', 0, stored(hashes(KW2, 0, 8), null, B));
      await until(() => blocksOf('kw1') === 8 && blocksOf('kw2') === 8, "both workers' first batches");
      assert.deepEqual(await pick(A), { workerId: 'kw1', cachedBlocks: 8 });
      assert.deepEqual(await pick(B), { workerId: 'kw2', cachedBlocks: 8 });

      // Batch 1 extends prompt A on kw1 to 10 blocks.
      publishBatch('kw1', 1, stored(hashes(KW1, 8, 10), String(KW1 + 7), A.slice(8 * BLOCK)));
      await until(() => blocksOf('kw1') === 10, "kw1's batch 1");
      assert.deepEqual(await pick(A), { workerId: 'kw1', cachedBlocks: 10 });
      assert.deepEqual(resyncs('kw1'), []);

      // Batch 2 (kw1 evicted prompt A, say) is lost. Batch 3 stores a block whose parent only the lost
      // history could explain: without the resync the index would keep all 10 blocks of A on kw1.
      publishBatch(
        'kw1',
        3,
        stored(
          [String(KW1 + 10)],
          String(KW1 + 9),
          Array.from({ length: BLOCK }, (_, i) => 90_000 + i),
        ),
      );
      await until(() => resyncs('kw1').length === 1, "the scheduler to report kw1's resync");
      assert.match(resyncs('kw1')[0]!.reason ?? '', /sequence gap \(1 -> 3\)/);
      assert.equal(blocksOf('kw1'), 0, "kw1's entries are dropped, the orphan block with them");
      assert.equal(index().matchPrefix(index().blockHashes(A)).has('kw1'), false);
      assert.equal(blocksOf('kw2'), 8, 'the other worker keeps its entries');
      // Routing no longer believes kw1 holds prompt A.
      assert.equal((await pick(A)).cachedBlocks, 0);
      assert.deepEqual(await pick(B), { workerId: 'kw2', cachedBlocks: 8 });

      // New events rebuild kw1's entries: the engine stores A's first 8 blocks again.
      publishBatch('kw1', 4, stored(hashes(KW1, 20, 28), null, A.slice(0, 8 * BLOCK)));
      await until(() => blocksOf('kw1') === 8, "kw1's entries to rebuild");
      assert.deepEqual(await pick(A), { workerId: 'kw1', cachedBlocks: 8 });
      // And its sequence goes on from 4 without another resync.
      publishBatch('kw1', 5, { type: 'BlockRemoved', blockHashes: [String(KW1 + 27)], medium: 'GPU' });
      await until(() => blocksOf('kw1') === 7, "kw1's batch 5");
      assert.equal(resyncs('kw1').length, 1);
      assert.deepEqual(resyncs('kw2'), []);
    });

    it('resyncs a worker whose sequence goes backwards (a restarted worker numbers from 0 again)', async () => {
      publishBatch('kw2', 1, stored(hashes(KW2, 8, 9), String(KW2 + 7), B.slice(0, BLOCK)));
      await until(() => blocksOf('kw2') === 9, "kw2's batch 1");
      publishBatch('kw2', 0, stored(hashes(KW2, 100, 102), null, B.slice(0, 2 * BLOCK)));
      await until(() => resyncs('kw2').length === 1, "the scheduler to report kw2's resync");
      assert.match(resyncs('kw2')[0]!.reason ?? '', /sequence went backwards \(1 -> 0\)/);
      // Only what the restarted engine announced since counts.
      assert.equal(blocksOf('kw2'), 2);
      assert.deepEqual(await pick(B), { workerId: 'kw2', cachedBlocks: 2 });
    });

    it("resyncs on a gap a worker's forwarder passes on from upstream (vLLM's own event stream lost a batch)", async () => {
      // The real forwarder, over an engine stand-in that only emits KV event batches.
      let emit: KvEventListener = () => undefined;
      const engine: Pick<Engine, 'onKvEvents'> = {
        onKvEvents: (listener) => {
          emit = listener;
          return () => undefined;
        },
      };
      registered.push('kw3');
      await beat();
      await until(() => service.directory.isRegistered('kw3'), 'the scheduler to see kw3 registered');
      const forwarder = new KvEventForwarder(new EventOutbox(nc), 'kw3', engine as Engine);
      forwarder.start();
      try {
        emit({ ts: 0, events: [stored(['1', '2'], null, A.slice(0, 2 * BLOCK))], dataParallelRank: null });
        await until(() => blocksOf('kw3') === 2, "kw3's first batch");
        forwarder.upstreamGap();
        emit({
          ts: 0,
          events: [stored(['3'], '2', A.slice(2 * BLOCK, 3 * BLOCK)), stored(['9'], null, B.slice(0, BLOCK))],
          dataParallelRank: null,
        });
        await until(() => resyncs('kw3').length === 1, "the scheduler to report kw3's resync");
        assert.match(resyncs('kw3')[0]!.reason ?? '', /sequence gap \(0 -> 2\)/);
        // A's blocks are gone (the child of a block from before the gap is not trusted); B's root block is new.
        assert.equal(blocksOf('kw3'), 1);
        assert.equal(index().matchPrefix(index().blockHashes(A)).has('kw3'), false);
        assert.equal(index().matchPrefix(index().blockHashes(B)).get('kw3'), 1);
      } finally {
        forwarder.stop();
      }
    });

    it('matches the block hashes a pick carries when they fit, and hashes the ids itself when they do not', async () => {
      registered.push('kw4');
      await beat();
      await until(() => service.directory.isRegistered('kw4'), 'the scheduler to see kw4 registered');
      const C = Array.from({ length: 6 * BLOCK }, (_, i) => 300_000 + i);
      const D = Array.from({ length: 6 * BLOCK }, (_, i) => 400_000 + i);
      publishBatch('kw4', 0, stored(hashes(8_400_000, 0, 6), null, C));
      await until(() => blocksOf('kw4') === 6, "kw4's batch");
      // D's ids with C's hashes: only a scheduler that matches the hashes it was given sees kw4's 6 blocks.
      const ofC = { blockSize: BLOCK, hashes: computeBlockHashes(C, BLOCK) };
      assert.deepEqual(await pick(D, { blockHashes: ofC }), { workerId: 'kw4', cachedBlocks: 6 });
      assert.equal((await pick(D)).cachedBlocks, 0);
      // Hashes of another block size, or too few for the ids: ignored (logged once), the ids hashed here.
      assert.equal((await pick(D, { blockHashes: { blockSize: 2 * BLOCK, hashes: computeBlockHashes(C, 2 * BLOCK) } })).cachedBlocks, 0);
      assert.equal((await pick(D, { blockHashes: { blockSize: BLOCK, hashes: ofC.hashes.subarray(0, 5) } })).cachedBlocks, 0);
      assert.equal(logs.filter((l) => /block hashes that do not fit/.test(l.msg)).length, 1);
      // Ids of another tokenizer are recomputed here, and the sender's hashes (of those ids) go with them.
      const other = await pick([], { prompt: { text: 'hi' }, promptTokens: { tokenizer: 'another', tokenIds: D }, blockHashes: ofC });
      assert.equal(other.cachedBlocks, 0);
    });
  });
});

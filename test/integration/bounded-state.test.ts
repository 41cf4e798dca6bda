// Bounded scheduler state (issue 14, finding 2): KV events and load reports of ids that never registered
// are dropped and counted, whatever their number; a registered worker's index entries never exceed its
// engine's KV capacity; the prefix-ownership bucket holds registered workers only, so a fresh replica
// loads no garbage. Through a real nats-server and real SchedulerService replicas; the test plays the
// workers (registry entries, load reports, vLLM-layout KV event batches) and the flood.
import assert from 'node:assert/strict';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import type { KvCacheEvent } from '../../shared/engine/types.js';
import { encodeKvEventBatch } from '../../shared/engine/vllm/index.js';
import { openWorkerRegistry } from '../../shared/fleet/index.js';
import { listKeys } from '../../shared/nats/index.js';
import { AtcHeader, encodeMessage, eventSubjects, kvBuckets } from '../../shared/protocol/index.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';

const BLOCK = 16;
/** Unregistered ids in the flood (the attack used 6,000). */
const FLOOD_IDS = 3_000;
/** Blocks per flood batch. */
const FLOOD_BLOCKS = 32;
/** The registered worker's engine capacity in blocks (its load reports say so). */
const CAPACITY = 64;

interface LogLine {
  readonly msg: string;
  readonly workerId?: string;
}

function storedChain(base: number, blocks: number): KvCacheEvent {
  return {
    type: 'BlockStored',
    blockHashes: Array.from({ length: blocks }, (_, i) => String(base + i)),
    parentBlockHash: null,
    tokenIds: Array.from({ length: blocks * BLOCK }, (_, i) => (base + i) % 50_000),
    blockSize: BLOCK,
    loraId: null,
    medium: 'GPU',
  };
}

async function counter(registry: Registry, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric('atc_scheduler_dropped_events_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((a, v) => a + v.value, 0);
}

describe('bounded scheduler state under a flood of unregistered worker ids (real NATS)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let service: SchedulerService;
  const registry = new Registry();
  const logs: LogLine[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  let loadTimer: NodeJS.Timeout | undefined;

  function publishBatch(workerId: string, seq: number, event: KvCacheEvent): void {
    const h = natsHeaders();
    h.set(AtcHeader.KvSeq, String(seq));
    nc.publish(eventSubjects.kv(workerId), encodeKvEventBatch({ ts: Date.now() / 1000, events: [event], dataParallelRank: null }), {
      headers: h,
    });
  }

  function loadReport(workerId: string, seq: number, numGpuBlocks: number): Uint8Array {
    return encodeMessage({
      type: 'load.report.v1',
      workerId,
      role: 'decode',
      seq,
      reportedAtMs: Date.now(),
      load: {
        runningRequests: 0,
        waitingRequests: 0,
        kvCacheUsage: 0,
        numGpuBlocks,
        blockSize: BLOCK,
        prefixCacheQueries: 0,
        prefixCacheHits: 0,
      },
      activeRequests: 0,
    });
  }

  before(async () => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    service = await SchedulerService.start({ natsUrl: nats.url, logger, replicaId: 'bounded', registry, ownershipSaveMs: 100 });
    nc = await connect({ servers: nats.url });
    const kv = await openWorkerRegistry(nc);
    const startedAtMs = Date.now();
    const beat = () =>
      kv.put(
        'real-1',
        encodeMessage({
          type: 'worker.registration.v1',
          workerId: 'real-1',
          role: 'decode',
          models: ['m'],
          engineKind: 'sim',
          startedAtMs,
          heartbeatAtMs: Date.now(),
        }),
      );
    await beat();
    heartbeat = setInterval(() => void beat().catch(() => undefined), 500);
    let seq = 0;
    loadTimer = setInterval(() => nc.publish(eventSubjects.load('real-1'), loadReport('real-1', seq++, CAPACITY)), 100);
    await until(() => service.directory.capacityBlocks('real-1') === CAPACITY, 'the scheduler to know real-1 and its capacity');
  });

  after(async () => {
    clearInterval(heartbeat);
    clearInterval(loadTimer);
    await nc?.close();
    await service?.close();
  });

  it('drops and counts every KV event and load report of an unregistered id; the index and the ownership bucket stay empty of them', async () => {
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < FLOOD_IDS; i++) {
      const id = `fake-${i}`;
      publishBatch(id, 0, storedChain(1_000_000 + i * FLOOD_BLOCKS, FLOOD_BLOCKS));
      nc.publish(eventSubjects.load(id), loadReport(id, 0, 1_000_000));
      if (i % 500 === 0) await nc.flush();
    }
    await nc.flush();
    await until(
      async () => (await counter(registry, { kind: 'kv', reason: 'unregistered' })) === FLOOD_IDS,
      'every flood batch counted as dropped',
      30_000,
      50,
    );
    // Load reports: the latest of at most 256 ids waits (one TTL) for a registry entry; all others are dropped.
    await until(
      async () => (await counter(registry, { kind: 'load', reason: 'unregistered' })) >= FLOOD_IDS - 256,
      'flood load reports counted as dropped',
      30_000,
      50,
    );
    const stats = service.scheduler.state.prefixIndex.stats();
    assert.equal(stats.workers, 0, 'no index entry for any unregistered id');
    assert.equal(stats.distinctBlocks, 0);
    assert.equal(service.directory.live().length, 1);
    // Give the periodic save (every 100 ms) a chance to run, then check it wrote no garbage.
    await service.ownership.save();
    assert.deepEqual(
      (await listKeys(nc, kvBuckets.prefixOwners)).filter((k) => k.startsWith('fake-')),
      [],
    );
    const rssAfter = process.memoryUsage().rss;
    process.stdout.write(
      `      [bounded-state] ${FLOOD_IDS} unregistered ids x ${FLOOD_BLOCKS} blocks: index tableBytes ${stats.tableBytes}, ` +
        `test process RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB\n`,
    );
  });

  it("caps a registered worker's entries at its engine's KV capacity: over it they are dropped, logged, and rebuilt from new events", async () => {
    const index = service.scheduler.state.prefixIndex;
    publishBatch('real-1', 0, storedChain(5_000_000, CAPACITY / 2));
    await until(() => index.workerBlockCount('real-1') === CAPACITY / 2, 'real-1 holds half its capacity');
    // More blocks than the engine can hold: not believable.
    publishBatch('real-1', 1, storedChain(6_000_000, CAPACITY));
    await until(
      () => logs.some((l) => l.workerId === 'real-1' && /more blocks than its engine holds/.test(l.msg)),
      'the over-capacity resync log line',
    );
    assert.equal(index.workerBlockCount('real-1'), 0);
    assert.equal(await counter(registry, { kind: 'kv', reason: 'over_capacity' }), 1);
    publishBatch('real-1', 2, storedChain(7_000_000, 4));
    await until(() => index.workerBlockCount('real-1') === 4, 'real-1 rebuilt from a new batch');
  });

  it('a fresh replica imports the ownership of registered workers only, and deletes a planted snapshot of an unregistered id', async () => {
    const { Kvm } = await import('@nats-io/kv');
    const owners = await new Kvm(nc).open(kvBuckets.prefixOwners);
    const { decodeOwnership, encodeOwnership } = await import('../../services/scheduler/prefix-ownership-store.js');
    // Snapshots are saved periodically: wait for the one with the previous test's last batch (seq 2, 4
    // blocks), not just any snapshot of real-1 (an earlier one still holds the batch before the cap).
    await until(
      async () => {
        const entry = await owners.get('real-1');
        return entry !== null && entry.length > 0 && decodeOwnership(entry.value).lastSeq === 2;
      },
      'real-1 ownership saved with its last batch',
      10_000,
      50,
    );
    // Garbage as an old, unbounded version left it.
    await owners.put(
      'planted-1',
      encodeOwnership({ workerId: 'planted-1', blockSize: BLOCK, lastSeq: 3, engineHashDigests: [1, 2], blockHashes: [3, 4] }),
    );
    const fresh = await SchedulerService.start({ natsUrl: nats.url, logger: pino({ level: 'silent' }), replicaId: 'fresh' });
    try {
      assert.deepEqual(fresh.scheduler.state.prefixIndex.workerIds(), ['real-1']);
      assert.equal(fresh.scheduler.state.prefixIndex.workerBlockCount('real-1'), 4);
      assert.deepEqual(await listKeys(nc, kvBuckets.prefixOwners), ['real-1']);
    } finally {
      await fresh.close();
    }
  });
});

// The CPU offload tier's KV events through a real nats-server into a real SchedulerService: batches with
// medium "GPU" and "CPU" events (vLLM's OffloadingConnector) on atc.events.kv.<id>, numbered in Atc-Seq as
// KvEventForwarder does. The GPU prefix index and the host tier stay apart: a GPU eviction leaves the
// block in the host tier, a host eviction leaves the GPU index alone.
import assert from 'node:assert/strict';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import type { KvCacheEvent } from '../../shared/engine/types.js';
import { encodeKvEventBatch } from '../../shared/engine/vllm/index.js';
import { AtcHeader, encodeMessage, eventSubjects } from '../../shared/protocol/index.js';
import { openWorkerRegistry } from '../../shared/fleet/index.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';

const BLOCK = 16;
const PROMPT = Array.from({ length: 10 * BLOCK }, (_, i) => 3_000 + i);
const H = Array.from({ length: 10 }, (_, i) => String(8_100_000 + i));

describe('CPU-tier KV events through NATS into the scheduler (real NATS, SchedulerService)', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let service: SchedulerService;
  let nc: NatsConnection;

  before(async () => {
    service = await SchedulerService.start({ natsUrl: nats.url, logger: pino({ level: 'silent' }), replicaId: 'host-tier' });
    nc = await connect({ servers: nats.url });
    // The feed applies KV events of registered workers only (issue 14): cw1 registers once (TTL 6 s).
    const registry = await openWorkerRegistry(nc);
    await registry.put(
      'cw1',
      encodeMessage({
        type: 'worker.registration.v1',
        workerId: 'cw1',
        role: 'decode',
        models: ['m'],
        engineKind: 'sim',
        startedAtMs: Date.now(),
        heartbeatAtMs: Date.now(),
      }),
    );
    await until(() => service.directory.isRegistered('cw1'), 'the scheduler to see cw1 registered');
  });
  after(async () => {
    await nc?.close();
    await service?.close();
  });

  function publish(seq: number, ...events: KvCacheEvent[]): void {
    const h = natsHeaders();
    h.set(AtcHeader.KvSeq, String(seq));
    nc.publish(eventSubjects.kv('cw1'), encodeKvEventBatch({ ts: Date.now() / 1000, events, dataParallelRank: null }), { headers: h });
  }

  it('keeps GPU and CPU blocks apart, and counts a GPU-evicted block still in CPU memory', async () => {
    const state = service.scheduler.state;
    const gpuBlocks = () => state.prefixIndex.workerBlockCount('cw1');
    const cpuBlocks = () => state.hostTier.workerBlockCount('cw1');
    publish(
      0,
      { type: 'BlockStored', blockHashes: H, parentBlockHash: null, tokenIds: PROMPT, blockSize: BLOCK, loraId: null, medium: 'GPU' },
      { type: 'BlockStored', blockHashes: H, parentBlockHash: null, tokenIds: [], blockSize: BLOCK, loraId: null, medium: 'CPU' },
    );
    await until(() => gpuBlocks() === 10 && cpuBlocks() === 10, 'the GPU and CPU stores');
    publish(1, { type: 'BlockRemoved', blockHashes: H.slice(5), medium: 'GPU' });
    await until(() => gpuBlocks() === 5, 'the GPU evictions');
    assert.equal(cpuBlocks(), 10);
    const hashes = state.prefixIndex.blockHashes(PROMPT);
    assert.equal(state.prefixIndex.matchPrefix(hashes).get('cw1'), 5);
    assert.equal(state.hostTier.matchFrom('cw1', hashes, 5), 5);
    publish(2, { type: 'BlockRemoved', blockHashes: [H[9]!], medium: 'CPU' });
    await until(() => cpuBlocks() === 9, 'the CPU eviction');
    assert.equal(gpuBlocks(), 5);
    assert.equal(state.hostTier.matchFrom('cw1', hashes, 5), 4);
  });
});

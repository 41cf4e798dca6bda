// Fault: one node of a 3-node NATS cluster dies (issue 14). The services run with --kv-replicas 3, so each
// JetStream KV bucket (registry, prefix ownership, KV handoff) has a copy on every node: killing any one
// node, here the leader of the registry's stream (the hardest case: a new leader is elected), loses no
// registry, ownership or handoff state, and no request sent after the kill fails.
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { listKeys, startNatsCluster } from '../../shared/nats/index.js';
import { kvBuckets } from '../../shared/protocol/index.js';
import { useCluster } from '../support/cluster.js';
import { countedCompletion, newCounts, reportCounts } from '../support/faults.js';
import { until } from '../support/poll.js';

describe('fault: one node of a 3-node NATS cluster killed (R3 buckets)', function () {
  this.timeout(120_000);
  let nats: Awaited<ReturnType<typeof startNatsCluster>> | undefined;
  const natsUrl = () => {
    if (!nats) throw new Error('NATS cluster not started');
    return nats.url;
  };

  before(async function () {
    this.timeout(60_000);
    const binary = process.env['ATC_NATS_SERVER'];
    nats = await startNatsCluster(3, binary ? { binary } : {});
    // JetStream answers once the cluster has elected its meta leader: poll until an R3 bucket can be made.
    const nc = await connect({ servers: natsUrl().split(',') });
    try {
      await until(
        async () => {
          try {
            await new Kvm(nc).create('atc_probe', { replicas: 3 });
            return true;
          } catch {
            return false;
          }
        },
        'JetStream of the 3-node cluster to accept an R3 bucket',
        30_000,
        200,
      );
    } finally {
      await nc.close();
    }
  });
  after(async () => {
    await nats?.stop();
  });

  describe('with the services on it', function () {
    const env = useCluster({
      // Read when the cluster starts (after the hook above).
      get natsUrl() {
        return natsUrl();
      },
      schedulers: 2,
      decodeWorkers: 2,
      prefillWorkers: 1,
      env: { ATC_KV_REPLICAS: '3' },
    });
    let nc: NatsConnection;
    before(async () => {
      nc = await connect({ servers: natsUrl().split(','), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    });
    after(async () => {
      await nc?.close();
    });

    it('loses no registry, ownership or handoff state, and fails no request sent after the kill', async () => {
      const counts = newCounts();
      const body = (i: number) => ({
        model: 'llama-3-8b',
        prompt: `The cluster keeps its state, request ${i}. `.repeat(8),
        max_tokens: 2,
      });
      for (let i = 0; i < 5; i++) await countedCompletion(counts, env.baseUrl, body(i));
      const jsm = await jetstreamManager(nc);
      for (const bucket of [kvBuckets.workers, kvBuckets.prefixOwners, kvBuckets.kvHandoff]) {
        const info = await jsm.streams.info(`KV_${bucket}`);
        assert.equal(info.config.num_replicas, 3, `${bucket} has 3 replicas`);
      }
      await until(async () => (await listKeys(nc, kvBuckets.prefixOwners)).length > 0, 'prefix ownership saved', 10_000, 100);
      // A handoff record as a prefill worker leaves it for a decode worker (60 s TTL).
      const handoffs = await new Kvm(nc).open(kvBuckets.kvHandoff);
      await handoffs.put('h.cluster-probe', new TextEncoder().encode('probe'));
      const registryBefore = await listKeys(nc, kvBuckets.workers);
      const ownersBefore = await listKeys(nc, kvBuckets.prefixOwners);
      assert.deepEqual(registryBefore, ['decode-1', 'decode-2', 'prefill-1']);

      // Kill the node that leads the registry's stream.
      const leader = (await jsm.streams.info(`KV_${kvBuckets.workers}`)).cluster?.leader;
      const victim = Number(/^n(\d)$/.exec(leader ?? '')?.[1] ?? 1) - 1;
      nats!.servers[victim]!.kill();
      const t0 = Date.now();

      for (let i = 0; i < 30; i++) await countedCompletion(counts, env.baseUrl, body(100 + i), 30_000);
      const requestsMs = Date.now() - t0;
      // State, read through the surviving nodes once every bucket's stream has a leader on one of them.
      const leaders: Record<string, string | undefined> = {};
      const victimName = `n${victim + 1}`;
      await until(
        async () => {
          for (const bucket of [kvBuckets.workers, kvBuckets.prefixOwners, kvBuckets.kvHandoff]) {
            try {
              leaders[bucket] = (await jsm.streams.info(`KV_${bucket}`)).cluster?.leader;
            } catch {
              return false;
            }
            if (leaders[bucket] === undefined || leaders[bucket] === victimName) return false;
          }
          return true;
        },
        "a leader for every bucket's stream on a surviving node",
        30_000,
        100,
      );
      const newLeader = leaders[kvBuckets.workers];
      /** Reads retried while a stream's leadership settles (a read may time out once right after an election). */
      const settled = async <T>(read: () => Promise<T>, what: string): Promise<T> => {
        let value: T | undefined;
        await until(
          async () => {
            try {
              value = await read();
              return true;
            } catch {
              return false;
            }
          },
          what,
          30_000,
          100,
        );
        return value as T;
      };
      // Registry entries are soft state refreshed by heartbeats: one whose heartbeats stalled longer than
      // the TTL during the election ages out and comes back with the next heartbeat.
      const t1 = Date.now();
      let registryAfter: string[] = [];
      await until(
        async () => {
          registryAfter = await settled(() => listKeys(nc, kvBuckets.workers), 'the registry');
          return registryAfter.join() === registryBefore.join();
        },
        'the registry to hold every worker',
        30_000,
        100,
      );
      const registryMs = Date.now() - t1;
      const ownersAfter = await settled(() => listKeys(nc, kvBuckets.prefixOwners), 'the ownership bucket');
      for (const key of ownersBefore) assert.ok(ownersAfter.includes(key), `ownership of ${key} kept`);
      const probe = await settled(() => handoffs.get('h.cluster-probe'), 'the handoff record');
      assert.equal(new TextDecoder().decode(probe?.value), 'probe');
      assert.equal(counts.hung, 0);
      assert.equal(counts.lost, 0);
      assert.deepEqual(counts.failures, {});
      reportCounts(
        `NATS node ${leader} (registry stream leader) killed in a 3-node cluster`,
        counts,
        `30 sequential requests after the kill took ${requestsMs} ms; new leader ${newLeader}; registry complete ${registryMs} ms after the leaders settled`,
      );
    });
  });
});

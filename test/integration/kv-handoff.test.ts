// KV-block handoff records in JetStream KV: taken once (read, then deleted), and a record nobody takes
// (its decode worker died) expires on its own with the bucket's TTL.
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KvHandoffStore, handoffFromKvTransfer, kvTransferForDecode } from '../../services/worker/kv-handoff.js';
import { useNatsServer } from '../support/nats-server.js';

describe('KV-block handoff records (real JetStream KV)', function () {
  this.timeout(20_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  before(async () => {
    nc = await connect({ servers: nats.url });
  });
  after(async () => {
    await nc?.close();
  });

  const params = {
    do_remote_prefill: true,
    remote_engine_id: 'prefill-1',
    remote_block_ids: [4, 5, 6],
    remote_host: '10.0.0.7',
    remote_port: 5600,
    remote_request_id: 'r-1',
    tp_size: 2,
  };

  it('is taken once, with what the decode engine needs as NixlConnector kv_transfer_params', async () => {
    const store = await KvHandoffStore.open(nc, 1_500);
    const record = handoffFromKvTransfer('r-1', 'prefill-1', 48, params, store.ttlMs)!;
    const key = await store.put(record);
    const taken = await store.take(key);
    assert.deepEqual(kvTransferForDecode(taken!), { ...params, do_remote_decode: false });
    assert.equal(await store.take(key), undefined, 'deleted after use');
    assert.deepEqual(await store.keys(), []);
  });

  it('expires when nobody takes it', async () => {
    const store = await KvHandoffStore.open(nc, 1_500);
    const key = await store.put(handoffFromKvTransfer('r-2', 'prefill-1', 48, { ...params, remote_request_id: 'r-2' }, store.ttlMs)!);
    assert.deepEqual(await store.keys(), [key]);
    const deadline = Date.now() + 10_000;
    while ((await store.keys()).length > 0) {
      assert.ok(Date.now() < deadline, 'the record outlived its TTL by far');
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await store.take(key), undefined);
  });

  it('rejects incomplete kv_transfer_params instead of recording them', () => {
    assert.equal(handoffFromKvTransfer('r-3', 'prefill-1', 48, { do_remote_prefill: true }, 1_000), undefined);
  });
});

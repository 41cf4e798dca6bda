import assert from 'node:assert/strict';
import type { KvTransferParams } from '../../../shared/engine/types.js';
import { harness, tokenRange } from './harness.js';

describe('P/D disaggregation (NixlConnector semantics)', () => {
  it('a do_remote_decode request prefills, emits one token and keeps its blocks until released', () => {
    const p = harness({ seed: 1, engineId: 'prefill-0', kvTransferHost: '10.0.0.5', kvTransferPort: 5601 });
    p.submit({ requestId: 'r1', promptTokenIds: tokenRange(1, 100), maxTokens: 50, kvTransfer: { do_remote_decode: true } });
    p.clock.run(100); // bounded: the 30 s lease timer fires at the end
    const f = p.finished.get('r1')!;
    assert.equal(f.completionTokens, 1);
    const kv = f.kvTransfer!;
    // 100 prompt tokens = 6 full blocks offered (the partial 7th is recomputed by the decode side).
    assert.equal(kv.remote_block_ids!.length, 6);
    assert.deepEqual({ ...kv, remote_block_ids: null }, {
      do_remote_prefill: true,
      do_remote_decode: false,
      remote_engine_id: 'prefill-0',
      remote_block_ids: null,
      remote_host: '10.0.0.5',
      remote_port: 5601,
      remote_request_id: 'r1',
      tp_size: 1,
    } satisfies KvTransferParams);
  });

  it('pinned blocks are freed by releaseRemoteBlocks or by the lease expiry', () => {
    const p = harness({ seed: 1, remoteBlockLeaseMs: 1000 });
    p.submit({ requestId: 'kept', promptTokenIds: tokenRange(1, 100), maxTokens: 1, kvTransfer: { do_remote_decode: true } });
    p.submit({ requestId: 'released', promptTokenIds: tokenRange(500, 100), maxTokens: 1, kvTransfer: { do_remote_decode: true } });
    p.clock.runUntil(500);
    assert.equal(p.finished.size, 2);
    const usageBoth = p.core.load().kvCacheUsage;
    assert.ok(usageBoth > 0, 'finished prefills still hold their blocks');
    assert.equal(p.core.releaseRemoteBlocks('released'), true);
    assert.equal(p.core.releaseRemoteBlocks('released'), false);
    assert.ok(Math.abs(p.core.load().kvCacheUsage - usageBoth / 2) < 1e-9);
    p.clock.runUntil(1200); // the lease (1 s after the finish) expires
    assert.equal(p.core.load().kvCacheUsage, 0);
  });

  it('a do_remote_prefill request pulls the prompt KV over the link instead of computing it', () => {
    const prompt = tokenRange(1, 8192 - 100);
    const d = harness({ seed: 1, kvLinkBandwidth: 50e9 });
    d.submit({
      requestId: 'd1',
      promptTokenIds: prompt,
      maxTokens: 5,
      ignoreEos: true,
      kvTransfer: { do_remote_prefill: true, remote_engine_id: 'prefill-0', remote_block_ids: [1, 2], remote_request_id: 'r1' },
    });
    d.clock.run();
    const f = d.finished.get('d1')!;
    // Full blocks below the last token: floor(8091 / 16) × 16 = 8080 tokens pulled.
    assert.equal(f.cachedPromptTokens, 8080);
    assert.equal(f.completionTokens, 5);
    // Transfer: 8080 × 128 KiB / 50 GB/s = 21.2 ms, then an 11-token step (~7 ms); far below the
    // ~270 ms it takes to compute the prompt locally.
    assert.ok(f.ttftMs > 21 && f.ttftMs < 40, `${f.ttftMs}`);
    const local = harness({ seed: 1 });
    local.submit({ requestId: 'l', promptTokenIds: prompt, maxTokens: 5, ignoreEos: true });
    local.clock.run();
    assert.ok(local.finished.get('l')!.ttftMs > 200);
    // The pulled blocks are cached once they land.
    assert.ok(d.events.some((e) => e.type === 'BlockStored' && e.blockHashes.length === 505));
  });

  it('aborting a request while its KV is on the link frees the blocks', () => {
    const d = harness({ seed: 1, kvLinkBandwidth: 1e9 });
    d.submit({ requestId: 'd1', promptTokenIds: tokenRange(1, 4000), maxTokens: 5, kvTransfer: { do_remote_prefill: true } });
    d.clock.runUntil(10);
    assert.equal(d.core.load().waitingRequests, 1);
    assert.ok(d.core.load().kvCacheUsage > 0);
    d.core.abort('d1');
    d.clock.run();
    assert.equal(d.finished.get('d1')!.finishReason, 'abort');
    assert.equal(d.core.load().kvCacheUsage, 0);
  });
});

import assert from 'node:assert/strict';
import { VirtualClock } from '../../../shared/clock/index.js';
import { SimEngine, type EngineProfile, LLAMA_3_8B_H100 } from '../../../shared/engine/sim/index.js';
import { EngineError, type EngineOutput, type EngineRequest } from '../../../shared/engine/types.js';
import { EOS_TOKEN_ID, tokenize } from '../../../shared/tokenizer/index.js';
import { collect, finishOf, tokenRange } from './harness.js';

function engine(seed = 1): { clock: VirtualClock; sim: SimEngine } {
  const clock = new VirtualClock();
  return { clock, sim: new SimEngine({ clock, seed }) };
}

/** Starts consuming, runs virtual time to the end, returns the outputs. */
async function runToEnd(clock: VirtualClock, outputs: AsyncIterable<EngineOutput>): Promise<EngineOutput[]> {
  const done = collect(outputs);
  clock.run();
  return done;
}

function textOf(outputs: readonly EngineOutput[]): string {
  return outputs.map((o) => (o.type === 'tokens' ? o.text : '')).join('');
}

function tokenIdsOf(outputs: readonly EngineOutput[]): number[] {
  return outputs.flatMap((o) => (o.type === 'tokens' ? [...o.tokenIds] : []));
}

const PROMPT_TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(20);

const req = (requestId: string, over: Partial<EngineRequest> = {}): EngineRequest => ({
  requestId,
  prompt: { text: PROMPT_TEXT },
  sampling: { maxTokens: 50, ignoreEos: true },
  ...over,
});

describe('SimEngine.generate()', () => {
  it('tokenizes text prompts, streams one chunk per token, then one finished with usage', async () => {
    const { clock, sim } = engine();
    const outputs = await runToEnd(clock, sim.generate(req('a')));
    const fin = finishOf(outputs);
    assert.equal(outputs.filter((o) => o.type === 'finished').length, 1);
    assert.equal(fin.finishReason, 'length');
    assert.equal(fin.usage.promptTokens, tokenize(PROMPT_TEXT).length);
    assert.equal(fin.usage.completionTokens, 50);
    assert.equal(tokenIdsOf(outputs).length, 50);
    assert.ok(fin.ttftMs > 0 && fin.queuedMs >= 0 && fin.queuedMs <= fin.ttftMs);
    // Output text is words from the detokenized ids.
    assert.match(textOf(outputs), /^( [a-z]+)+$/);
  });

  it('uses token-id prompts as is, and outputs are deterministic per (seed, prompt)', async () => {
    const prompt = { tokenIds: tokenRange(500, 64) };
    const a = engine(3);
    const b = engine(3);
    const c = engine(4);
    const outA = await runToEnd(a.clock, a.sim.generate(req('x', { prompt })));
    const outB = await runToEnd(b.clock, b.sim.generate(req('y', { prompt })));
    const outC = await runToEnd(c.clock, c.sim.generate(req('x', { prompt })));
    assert.equal(finishOf(outA).usage.promptTokens, 64);
    assert.deepEqual(tokenIdsOf(outA), tokenIdsOf(outB)); // request id does not matter, like greedy decoding
    assert.notDeepEqual(tokenIdsOf(outA), tokenIdsOf(outC));
  });

  it('ignoreEos generates exactly maxTokens; without it the request may stop early at EOS', async () => {
    const { clock, sim } = engine(9);
    let stoppedEarly = 0;
    for (let i = 0; i < 20; i++) {
      const prompt = { tokenIds: tokenRange(100 + i, 32) };
      const exact = await runToEnd(clock, sim.generate(req(`e${i}`, { prompt, sampling: { maxTokens: 400, ignoreEos: true } })));
      assert.equal(finishOf(exact).usage.completionTokens, 400);
      assert.ok(!tokenIdsOf(exact).includes(EOS_TOKEN_ID));
      const natural = await runToEnd(clock, sim.generate(req(`n${i}`, { prompt, sampling: { maxTokens: 400 } })));
      const fin = finishOf(natural);
      if (fin.finishReason === 'stop') {
        stoppedEarly++;
        const ids = tokenIdsOf(natural);
        assert.equal(ids[ids.length - 1], EOS_TOKEN_ID); // EOS is the last token, and counted
        assert.equal(fin.usage.completionTokens, ids.length);
        assert.ok(ids.length < 400);
      } else {
        assert.equal(fin.finishReason, 'length');
        assert.equal(fin.usage.completionTokens, 400);
      }
    }
    // Median natural length 143 tokens: most of 20 requests end before 400.
    assert.ok(stoppedEarly >= 12, `${stoppedEarly}`);
  });

  it('stops at a stop string, which is not returned', async () => {
    const { clock, sim } = engine(2);
    const full = await runToEnd(clock, sim.generate(req('full', { sampling: { maxTokens: 60, ignoreEos: true } })));
    const text = textOf(full);
    // Pick a word from the middle of the output as the stop string.
    const words = text.split(' ');
    const stop = ' ' + words[20]!;
    const cut = text.indexOf(stop);
    const outputs = await runToEnd(clock, sim.generate(req('stopped', { sampling: { maxTokens: 60, ignoreEos: true, stop: [stop] } })));
    const fin = finishOf(outputs);
    assert.equal(fin.finishReason, 'stop');
    assert.equal(textOf(outputs), text.slice(0, cut));
    assert.ok(fin.usage.completionTokens < 60);
    assert.equal(sim.load().runningRequests, 0);
  });

  it('an AbortSignal aborts the request and frees its blocks', async () => {
    const { clock, sim } = engine();
    const controller = new AbortController();
    const done = collect(sim.generate(req('a', { signal: controller.signal, sampling: { maxTokens: 1000, ignoreEos: true } })));
    clock.runUntil(100);
    assert.ok(sim.load().kvCacheUsage > 0);
    assert.equal(sim.load().runningRequests, 1);
    controller.abort();
    clock.run();
    const outputs = await done;
    const fin = finishOf(outputs);
    assert.equal(fin.finishReason, 'abort');
    assert.ok(fin.usage.completionTokens > 0 && fin.usage.completionTokens < 1000);
    assert.equal(sim.load().kvCacheUsage, 0);
    assert.equal(sim.load().runningRequests, 0);
  });

  it('breaking out of the iteration aborts the request too', async () => {
    const { clock, sim } = engine();
    const consumed = (async () => {
      for await (const o of sim.generate(req('a', { sampling: { maxTokens: 1000, ignoreEos: true } }))) {
        if (o.type === 'tokens') break;
      }
    })();
    clock.runUntil(200);
    await consumed;
    clock.run();
    assert.equal(sim.load().kvCacheUsage, 0);
    assert.equal(sim.core.activeRequests, 0);
  });

  it('rejects a prompt longer than the model length with a non-retryable EngineError', async () => {
    const sim = new SimEngine({ clock: new VirtualClock(), overrides: { numGpuBlocks: 101 } });
    // 100 usable blocks hold 1600 tokens: the model length is capped there, as vLLM caps max_model_len.
    await assert.rejects(
      collect(sim.generate(req('big', { prompt: { tokenIds: tokenRange(1, 1600) } }))),
      (err: unknown) => err instanceof EngineError && !err.retryable && /exceeds/.test(err.message),
    );
  });

  it('reset() clears the prefix cache with AllBlocksCleared, and is refused while requests run', async () => {
    const { clock, sim } = engine();
    const batches: string[] = [];
    sim.onKvEvents((b) => batches.push(...b.events.map((e) => e.type)));
    const done = collect(sim.generate(req('a')));
    clock.runUntil(20);
    assert.equal(sim.reset(), false);
    clock.run();
    await done;
    assert.equal(sim.reset(), true);
    assert.equal(batches[batches.length - 1], 'AllBlocksCleared');
    const again = await runToEnd(clock, sim.generate(req('b')));
    assert.equal(finishOf(again).usage.cachedPromptTokens, 0);
  });
});

describe('SimEngine on the real clock', () => {
  it('completes a short request with a tiny model profile', async () => {
    // A 1M-parameter model: each step is ~0.1 ms of simulated work, so this takes a few ms of wall time.
    const tiny: EngineProfile = {
      ...LLAMA_3_8B_H100,
      name: 'tiny-test',
      model: { ...LLAMA_3_8B_H100.model, numParams: 1e6, numLayers: 2 },
      stepOverheadMs: 0.1,
      references: [],
    };
    const sim = new SimEngine({ profile: tiny, seed: 1, overrides: { numGpuBlocks: 1000 } });
    const outputs = await collect(sim.generate(req('rt', { sampling: { maxTokens: 5, ignoreEos: true } })));
    const fin = finishOf(outputs);
    assert.equal(fin.finishReason, 'length');
    assert.equal(fin.usage.completionTokens, 5);
    assert.equal(sim.load().kvCacheUsage, 0);
    await sim.close();
    await sim.close(); // idempotent
    await assert.rejects(collect(sim.generate(req('late'))), (e: unknown) => e instanceof EngineError && e.retryable);
  });
});

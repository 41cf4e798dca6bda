// SimEngine: the Engine interface over SimEngineCore. Tokenizes text prompts, detokenizes outputs,
// applies stop strings, and turns the core's callbacks into an async iterable per request.
import type { Registry } from 'prom-client';
import { promptTokenIds as promptTokenIdsOf } from '../../tokenizer/index.js';
import {
  EngineKind,
  FinishReason,
  type Engine,
  type EngineLoad,
  type EngineOutput,
  type EngineRequest,
  type KvEventListener,
} from '../types.js';
import type { CoreFinish, SimEngineCoreOptions } from './core-types.js';
import { SimEngineCore } from './engine-core.js';
import { OutputChannel } from './output-channel.js';
import { tokenText } from './output-tokens.js';
import { StopStringMatcher } from './stop-strings.js';

export type SimEngineOptions = SimEngineCoreOptions;

export class SimEngine implements Engine {
  readonly kind = EngineKind.Sim;
  readonly model: string;
  readonly core: SimEngineCore;

  constructor(options: SimEngineOptions = {}) {
    this.core = new SimEngineCore(options);
    this.model = this.core.model;
  }

  /** As admission checks it: max_model_len, capped by what the KV cache holds (request-admission.ts). */
  get maxModelLen(): number {
    return Math.min(this.core.profile.model.maxModelLen, this.core.kvCacheTokens);
  }

  async start(): Promise<void> {
    // Nothing to start: the step loop runs whenever requests are queued.
  }

  generate(request: EngineRequest): AsyncIterable<EngineOutput> {
    return { [Symbol.asyncIterator]: () => this.run(request) };
  }

  private async *run(request: EngineRequest): AsyncGenerator<EngineOutput> {
    const { requestId, sampling, signal } = request;
    const promptTokenIds = request.promptTokenIds ?? promptTokenIdsOf(request.prompt);
    const channel = new OutputChannel<EngineOutput>();
    const stops = new StopStringMatcher(sampling.stop ?? []);
    let done = false;
    const onFinish = (f: CoreFinish): void => {
      done = true;
      const tail = f.finishReason === FinishReason.Stop || f.finishReason === FinishReason.Abort ? '' : stops.flush();
      if (tail !== '') channel.push({ type: 'tokens', text: tail, tokenIds: [] });
      channel.push({
        type: 'finished',
        finishReason: f.finishReason,
        usage: { promptTokens: f.promptTokens, completionTokens: f.completionTokens, cachedPromptTokens: f.cachedPromptTokens },
        ...(f.kvTransfer !== undefined ? { kvTransfer: f.kvTransfer } : {}),
        queuedMs: f.queuedMs,
        ttftMs: f.ttftMs,
      });
      channel.end();
    };
    const onTokens = (tokenIds: readonly number[]): void => {
      let delta = '';
      for (const id of tokenIds) delta += tokenText(id);
      const { text, stopped } = stops.push(delta);
      channel.push({ type: 'tokens', text, tokenIds });
      if (stopped) this.core.abort(requestId, FinishReason.Stop);
    };
    if (signal?.aborted) {
      onFinish({
        finishReason: FinishReason.Abort,
        promptTokens: promptTokenIds.length,
        completionTokens: 0,
        cachedPromptTokens: 0,
        queuedMs: 0,
        ttftMs: -1,
        e2eMs: 0,
        numPreemptions: 0,
      });
    } else {
      this.core.submit(
        {
          requestId,
          promptTokenIds,
          maxTokens: sampling.maxTokens,
          ignoreEos: sampling.ignoreEos ?? false,
          ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
          ...(request.kvTransfer !== undefined ? { kvTransfer: request.kvTransfer } : {}),
        },
        { onTokens, onFinish },
      );
    }
    const onAbort = (): void => {
      this.core.abort(requestId);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const next = await channel.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // The consumer stopped early (break/throw): free the request's slot and blocks.
      if (!done) this.core.abort(requestId);
    }
  }

  load(): EngineLoad {
    return this.core.load();
  }

  onKvEvents(listener: KvEventListener): () => void {
    return this.core.onKvEvents(listener);
  }

  /** vLLM's Prometheus metrics, this engine's own Registry; undefined when created with vllmMetrics: false. */
  vllmMetrics(): Registry | undefined {
    return this.core.vllmMetrics();
  }

  /** Clears the prefix cache (AllBlocksCleared); false while requests hold blocks, as vLLM refuses then. */
  reset(): boolean {
    return this.core.resetPrefixCache();
  }

  /** P/D prefill side: the decode side pulled request's KV; free its pinned blocks. */
  releaseRemoteBlocks(requestId: string): boolean {
    return this.core.releaseRemoteBlocks(requestId);
  }

  async close(): Promise<void> {
    this.core.close();
  }
}

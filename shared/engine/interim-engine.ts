// TEMPORARY: replaced by SimEngine (shared/engine/sim) when it lands. A paced engine: first-token delay
// growing with prompt length, then a fixed per-token delay.
import { detokenize, tokenize } from '../tokenizer/index.js';
import type { Engine, EngineLoad, EngineOutput, EngineRequest, KvEventListener } from './types.js';

export class InterimEngine implements Engine {
  readonly kind = 'sim' as const;
  private running = 0;
  constructor(readonly model: string, private readonly msPerPromptToken = 0.05, private readonly msPerToken = 5) {}
  async start(): Promise<void> {}
  load(): EngineLoad {
    return { runningRequests: this.running, waitingRequests: 0, kvCacheUsage: 0, numGpuBlocks: 1000, blockSize: 16, prefixCacheQueries: 0, prefixCacheHits: 0 };
  }
  onKvEvents(_l: KvEventListener): () => void { return () => undefined; }
  async close(): Promise<void> {}
  async *generate(req: EngineRequest): AsyncIterable<EngineOutput> {
    const ids = 'text' in req.prompt ? tokenize(req.prompt.text) : req.prompt.tokenIds;
    const t0 = performance.now();
    this.running++;
    try {
      const sleep = (ms: number) => new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        req.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
      await sleep(10 + ids.length * this.msPerPromptToken);
      const ttftMs = performance.now() - t0;
      let n = 0;
      for (; n < req.sampling.maxTokens; n++) {
        if (req.signal?.aborted) break;
        if (n > 0) await sleep(this.msPerToken);
        if (req.signal?.aborted) break;
        const id = 1000 + ((n * 7919 + (req.sampling.seed ?? 0)) % 5000);
        yield { type: 'tokens', text: detokenize([id]), tokenIds: [id] };
      }
      yield { type: 'finished', finishReason: req.signal?.aborted ? 'abort' : 'length', usage: { promptTokens: ids.length, completionTokens: n, cachedPromptTokens: 0 }, queuedMs: 0, ttftMs };
    } finally {
      this.running--;
    }
  }
}

// The callback API of SimEngineCore: what virtual-time benchmarks and SimEngine submit, and what they
// get back. Token ids in, token ids out; no text, no async iteration.
import type { Clock } from '../../clock/index.js';
import type { FinishReason, KvTransferParams } from '../types.js';
import type { CpuOffloadOptions } from './cpu-offload-tier.js';
import type { ExternalKvStore } from './external-kv.js';
import type { EngineProfile, ProfileOverrides } from './profile.js';

export interface CoreRequest {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  /** Output tokens at most (>= 1); clamped to what the model length and KV cache allow. */
  readonly maxTokens: number;
  /** Generate exactly maxTokens (vLLM's ignore_eos). */
  readonly ignoreEos?: boolean;
  /** Output seed; the engine seed when absent. */
  readonly seed?: number;
  readonly kvTransfer?: KvTransferParams;
}

export interface CoreFinish {
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens hit in the prefix cache or pulled from a remote prefill at first scheduling. */
  readonly cachedPromptTokens: number;
  /** ms from arrival to first scheduling (to now if never scheduled). */
  readonly queuedMs: number;
  /** ms from arrival to first token; -1 when no token was produced. */
  readonly ttftMs: number;
  /** ms from arrival to finish. */
  readonly e2eMs: number;
  readonly numPreemptions: number;
  /** P/D prefill side (do_remote_decode): what the decode side needs to pull the KV. */
  readonly kvTransfer?: KvTransferParams;
}

export interface CoreCallbacks {
  /** New tokens at the end of an engine step (one per step in this engine). */
  onTokens?(tokenIds: readonly number[]): void;
  /** Exactly once per request. */
  onFinish(result: CoreFinish): void;
}

export interface SimEngineCoreOptions {
  /** Profile name or object (default 'llama-3-8b-h100'). */
  readonly profile?: string | EngineProfile;
  readonly overrides?: ProfileOverrides;
  /** Default RealClock. */
  readonly clock?: Clock;
  /** Seeds step-time jitter and outputs (default 0). */
  readonly seed?: number;
  /** Seeds block hashes, like vLLM's PYTHONHASHSEED-derived NONE_HASH (default: seed). */
  readonly hashSeed?: number;
  /** Defaults: the profile's. */
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  /** Tokens per KV block (default 16, vLLM's default). */
  readonly blockSize?: number;
  /** Served model name (default: the profile's model). */
  readonly model?: string;
  /** KvEventBatch.dataParallelRank (default null, as vLLM without data parallelism). */
  readonly dataParallelRank?: number | null;
  /** NixlConnector identity returned to decode sides (defaults 'sim-engine', 'localhost', 5600, vLLM's side-channel port). */
  readonly engineId?: string;
  readonly kvTransferHost?: string;
  readonly kvTransferPort?: number;
  /** How long a finished P/D prefill keeps its blocks for the decode side, ms (default 30,000). */
  readonly remoteBlockLeaseMs?: number;
  /** P/D link bandwidth per GPU, bytes/s (default 50e9: 400 Gb/s RDMA NIC per GPU). */
  readonly kvLinkBandwidth?: number;
  /** Blocks the engine may load instead of computing, after its own prefix cache (a KV connector). */
  readonly externalKv?: ExternalKvStore;
  /** vLLM's native CPU KV offloading (OffloadingConnector): a host-memory LRU tier behind the GPU cache. */
  readonly cpuOffload?: CpuOffloadOptions;
  /**
   * Keep vLLM's Prometheus metrics (default true). Virtual-time benchmarks, which never scrape, turn them
   * off: prom-client's counter and histogram updates cost about 1 us per generated token, more than the
   * rest of the engine spends on it (0.6-0.9 us; node 20 on the 2-core development machine).
   */
  readonly vllmMetrics?: boolean;
}

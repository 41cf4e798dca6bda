// KV blocks an engine can load instead of computing them: what vLLM asks its KV connector
// (KVConnectorBase_V1.get_num_new_matched_tokens) after its own prefix cache has been searched. The
// engine's own cache is looked up first; the store may then extend the hit with the blocks that follow.
import type { BlockHash } from './block-hash-chain.js';

export interface ExternalKvStore {
  /**
   * true: a hit is loaded into GPU blocks the engine allocates (a CPU offload tier); false: the engine
   * reads the blocks where they are and spends no GPU memory on them (an idealised shared KV pool), and
   * its own prefix cache is not consulted.
   */
  readonly residentInGpu: boolean;
  /**
   * How many consecutive blocks of `hashes`, from index `from` up to (not including) `end`, the store
   * holds. Blocks found this way are allocated in GPU memory and counted as cached, not computed.
   */
  matchFrom(hashes: readonly BlockHash[], from: number, end: number): number;
  /** The engine cached these full blocks of a request in GPU memory (hashes[from, end)). */
  stored(hashes: readonly BlockHash[], from: number, end: number): void;
}

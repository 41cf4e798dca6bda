// Tokenization where it scales: a pool of worker threads (Piscina) that turn text and chat prompts into
// the token ids the engines cache, so a long prompt never holds up the event loop that serves every
// other request (the ingress's HTTP and NATS traffic, or the scheduler's decisions).
//
// Piscina (nodejs/piscina, no runtime dependencies) rather than a hand-written pool: it queues tasks,
// wakes idle threads with Atomics (no polling, low latency), transfers typed arrays without copying and
// restarts a thread that dies.
//
// Short prompts are tokenized inline: below `inlineMaxChars` the tokenizer costs less than the round trip
// to a thread (measured by `npm run bench -- scheduler`, BENCHMARKS.md), so a chat turn pays no hop.
import { Piscina } from 'piscina';
import type { PromptInput } from '../engine/types.js';
import { DEFAULT_BLOCK_SIZE } from '../scheduling/state/prefix-hash.js';
import { promptTokenIds, promptTokenizer } from './prompt-tokenizer.js';
import type { TokenizeTask } from './tokenize-task.js';
import { unpackTokenized } from './tokenized-buffer.js';

/** Token ids of a prompt, with the tokenizer that computed them (a receiver checks it is its own). */
export interface PromptTokens {
  /** PromptTokenizer.name: 'cl100k_base' or the tokenizer.json path. */
  readonly tokenizer: string;
  readonly tokenIds: readonly number[];
}

/** A prompt's token ids and, when a pool thread computed them, the scheduler's block hashes of those ids. */
export interface TokenizedPrompt {
  readonly tokenIds: readonly number[];
  /**
   * computeBlockHashes(tokenIds, pool.blockSize), hashed on the pool thread that tokenized the prompt;
   * absent when the prompt was tokenized inline or came as ids (the caller hashes, if it wants them).
   */
  readonly blockHashes?: Float64Array;
}

export interface TokenizerPoolOptions {
  /** Worker threads; 0 tokenizes every prompt inline on the calling thread. */
  readonly threads: number;
  /** The tokenizer the threads load (--tokenizer-path); must be what this process loaded (promptTokenizer()). */
  readonly tokenizerPath?: string;
  /** Prompts of at most this many characters are tokenized inline. Default INLINE_MAX_CHARS. */
  readonly inlineMaxChars?: number;
  /** Tokens per block of the block hashes the threads compute: the scheduler's block size (default 16). */
  readonly blockSize?: number;
}

/**
 * Characters up to which a prompt is tokenized inline: there cl100k takes about as long as the hop to a
 * pool thread and back (~0.07 ms inline for 4,096 characters vs a ~0.06 ms hop; `npm run bench --
 * scheduler` prints both), so a longer prompt is cheaper for the caller's thread on the pool.
 */
export const INLINE_MAX_CHARS = 4096;

function promptChars(prompt: PromptInput): number {
  if ('text' in prompt) return prompt.text.length;
  if ('messages' in prompt) {
    let n = 0;
    for (const m of prompt.messages) n += m.content.length + m.role.length;
    return n;
  }
  return 0;
}

export class TokenizerPool {
  readonly threads: number;
  readonly blockSize: number;
  private readonly inlineMaxChars: number;
  private readonly pool: Piscina<TokenizeTask, Float64Array> | undefined;

  constructor(options: TokenizerPoolOptions) {
    this.threads = options.threads;
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.inlineMaxChars = options.inlineMaxChars ?? INLINE_MAX_CHARS;
    this.pool =
      options.threads > 0
        ? new Piscina({
            filename: new URL('./tokenize-task.js', import.meta.url).href,
            minThreads: options.threads,
            maxThreads: options.threads,
            idleTimeout: Infinity,
            workerData: { tokenizerPath: options.tokenizerPath },
          })
        : undefined;
  }

  /** The tokenizer's name, as PromptTokens.tokenizer carries it. */
  get tokenizer(): string {
    return promptTokenizer().name;
  }

  /**
   * Token ids of any prompt form (given ids as they are), with their block hashes when a pool thread
   * tokenized the prompt: the thread hashes in ~1% of its tokenization time (~20 µs for 8,000 tokens
   * against ~1.5 ms), which the decision thread would otherwise spend (BENCHMARKS.md, scheduler).
   */
  async tokenize(prompt: PromptInput): Promise<TokenizedPrompt> {
    if ('tokenIds' in prompt) return { tokenIds: prompt.tokenIds };
    if (this.pool === undefined || promptChars(prompt) <= this.inlineMaxChars) return { tokenIds: promptTokenIds(prompt) };
    return unpackTokenized(await this.pool.run({ prompt, blockSize: this.blockSize }), this.blockSize);
  }

  /** Token ids of any prompt form (given ids as they are). */
  async tokenIds(prompt: PromptInput): Promise<readonly number[]> {
    return (await this.tokenize(prompt)).tokenIds;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

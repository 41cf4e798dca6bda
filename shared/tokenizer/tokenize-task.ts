// The task a TokenizerPool thread runs (a Piscina worker module): the process's prompt tokenizer, loaded
// once per thread from the path the pool was given, turns a text or chat prompt into token ids, and the
// thread hashes them into the scheduler's block hashes while it has them (so the decision thread does
// not). Both go back in one transferred buffer (no copy, no per-element structured clone); see
// packTokenized for its layout.
import { workerData } from 'node:worker_threads';
import { move } from 'piscina';
import type { PromptInput } from '../engine/types.js';
import { computeBlockHashes } from '../scheduling/state/prefix-hash.js';
import { promptTokenIds, usePromptTokenizerAt } from './prompt-tokenizer.js';
import { packTokenized } from './tokenized-buffer.js';

usePromptTokenizerAt((workerData as { tokenizerPath?: string } | undefined)?.tokenizerPath);

export interface TokenizeTask {
  readonly prompt: PromptInput;
  /** Tokens per block of the block hashes (the scheduler's block size). */
  readonly blockSize: number;
}

export default function tokenizePrompt(task: TokenizeTask): Float64Array {
  const ids = promptTokenIds(task.prompt);
  return move(packTokenized(ids, computeBlockHashes(ids, task.blockSize))) as Float64Array;
}

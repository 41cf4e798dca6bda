// The task a TokenizerPool thread runs (a Piscina worker module): the process's prompt tokenizer, loaded
// once per thread from the path the pool was given, turns a text or chat prompt into token ids. The ids
// go back as a transferred Uint32Array (no copy, no per-element structured clone).
import { workerData } from 'node:worker_threads';
import { move } from 'piscina';
import type { PromptInput } from '../engine/types.js';
import { promptTokenIds, usePromptTokenizerAt } from './prompt-tokenizer.js';

usePromptTokenizerAt((workerData as { tokenizerPath?: string } | undefined)?.tokenizerPath);

export default function tokenizePrompt(prompt: PromptInput): Uint32Array {
  return move(Uint32Array.from(promptTokenIds(prompt))) as Uint32Array;
}

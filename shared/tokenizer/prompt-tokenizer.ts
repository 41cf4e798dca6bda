// The tokenizer that turns text prompts into the token ids the engines cache. The scheduler's prefix
// index matches these ids against the ids in the engines' KV events, so the scheduler must tokenize as
// the engines do. Default: the project's cl100k tokenizer (what the simulated engine uses). In front of
// a real vLLM, point ATC_TOKENIZER_PATH at the model's own tokenizer.json (or the model directory holding
// it, with tokenizer_config.json): it is loaded from that local file, never downloaded.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { tokenize } from './tokenizer.js';

export interface PromptTokenizer {
  /** e.g. 'cl100k_base' or the tokenizer.json path. */
  readonly name: string;
  /** Token ids as the engine computes them for a completions prompt (special tokens such as BOS included). */
  encode(text: string): number[];
}

export const CL100K_TOKENIZER: PromptTokenizer = { name: 'cl100k_base', encode: tokenize };

export class TokenizerLoadError extends Error {
  override name = 'TokenizerLoadError';
}

function readJson(file: string): object {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as object;
  } catch (cause) {
    throw new TokenizerLoadError(`cannot read ${file} as JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Loads a Hugging Face tokenizer from a tokenizer.json file, or a directory with tokenizer.json (and tokenizer_config.json). */
export function loadHfTokenizer(path: string): PromptTokenizer {
  if (!existsSync(path)) throw new TokenizerLoadError(`ATC_TOKENIZER_PATH ${path} does not exist`);
  const dir = statSync(path).isDirectory() ? path : undefined;
  const file = dir ? join(dir, 'tokenizer.json') : path;
  if (!existsSync(file)) throw new TokenizerLoadError(`no tokenizer.json in ${path}`);
  const configFile = join(dir ?? join(file, '..'), 'tokenizer_config.json');
  const config = existsSync(configFile) ? readJson(configFile) : {};
  let hf: Tokenizer;
  try {
    hf = new Tokenizer(readJson(file), config);
  } catch (cause) {
    throw new TokenizerLoadError(`${file} is not a tokenizer this loader understands: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  // vLLM's /v1/completions tokenizes with add_special_tokens=True (the BOS of Llama-style templates).
  return { name: file, encode: (text) => hf.encode(text, { add_special_tokens: true }).ids };
}

let active: PromptTokenizer | undefined;

/** The process's prompt tokenizer: ATC_TOKENIZER_PATH when set (loaded on first use), else cl100k. */
export function promptTokenizer(): PromptTokenizer {
  if (!active) {
    const path = process.env['ATC_TOKENIZER_PATH'];
    active = path ? loadHfTokenizer(path) : CL100K_TOKENIZER;
  }
  return active;
}

/** Replaces the process's prompt tokenizer (benchmarks and tests); undefined goes back to the environment's. */
export function setPromptTokenizer(tokenizer: PromptTokenizer | undefined): void {
  active = tokenizer;
}

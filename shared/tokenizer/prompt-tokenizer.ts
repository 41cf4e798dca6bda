// The tokenizer that turns text prompts into the token ids the engines cache. The scheduler's prefix
// index matches these ids against the ids in the engines' KV events, so the scheduler must tokenize as
// the engines do. Default: the project's cl100k tokenizer (what the simulated engine uses). In front of
// a real vLLM, a service's --tokenizer-path (ATC_TOKENIZER_PATH) names the model's own tokenizer.json (or the
// model directory holding it, with tokenizer_config.json): it is loaded from that local file at start-up,
// never downloaded.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer as HfTokenizerClass } from '@huggingface/tokenizers';
import type { PromptInput } from '../engine/types.js';
import { renderChatPrompt, type ChatMessage } from './chat-template.js';
import { tokenize } from './tokenizer.js';

export interface PromptTokenizer {
  /** e.g. 'cl100k_base' or the tokenizer.json path. */
  readonly name: string;
  /** Token ids as the engine computes them for a completions prompt (special tokens such as BOS included). */
  encode(text: string): number[];
  /** Token ids of chat messages as the engine computes them: its chat template, then the tokens. */
  encodeChat(messages: readonly ChatMessage[]): number[];
}

export const CL100K_TOKENIZER: PromptTokenizer = {
  name: 'cl100k_base',
  encode: tokenize,
  encodeChat: (messages) => tokenize(renderChatPrompt(messages)),
};

/** The token ids the engine computes for any prompt form. */
export function promptTokenIds(prompt: PromptInput): readonly number[] {
  if ('tokenIds' in prompt) return prompt.tokenIds;
  if ('messages' in prompt) return promptTokenizer().encodeChat(prompt.messages);
  return promptTokenizer().encode(prompt.text);
}

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
/** What this loader uses of @huggingface/tokenizers' Tokenizer. */
interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
}

/**
 * The package's type declarations re-export Tokenizer through extensionless paths, which NodeNext module
 * resolution cannot follow, so TypeScript sees no type at all; this states the part we call.
 */
const Tokenizer = HfTokenizerClass as unknown as new (tokenizerJson: unknown, tokenizerConfig: unknown) => HfTokenizer;

export function loadHfTokenizer(path: string): PromptTokenizer {
  if (!existsSync(path)) throw new TokenizerLoadError(`tokenizer path ${path} does not exist`);
  const dir = statSync(path).isDirectory() ? path : undefined;
  const file = dir ? join(dir, 'tokenizer.json') : path;
  if (!existsSync(file)) throw new TokenizerLoadError(`no tokenizer.json in ${path}`);
  const configFile = join(dir ?? join(file, '..'), 'tokenizer_config.json');
  const config = existsSync(configFile) ? readJson(configFile) : {};
  let hf: HfTokenizer;
  try {
    hf = new Tokenizer(readJson(file), config);
  } catch (cause) {
    throw new TokenizerLoadError(
      `${file} is not a tokenizer this loader understands: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  const encode = (text: string) => hf.encode(text, { add_special_tokens: true }).ids;
  const template = chatTemplate(config, file);
  const special = (key: string): string => {
    const v = (config as Record<string, unknown>)[key];
    return typeof v === 'string'
      ? v
      : typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string'
        ? (v as { content: string }).content
        : '';
  };
  return {
    name: file,
    // vLLM's /v1/completions tokenizes with add_special_tokens=True (the BOS of Llama-style templates).
    encode,
    // vLLM's chat path renders the model's chat template (which writes its own BOS), then tokenizes the
    // result with add_special_tokens=False. Without a template, the project's Llama-3-style one.
    encodeChat: template
      ? (messages) =>
          hf.encode(
            template.render({ messages, add_generation_prompt: true, bos_token: special('bos_token'), eos_token: special('eos_token') }),
            { add_special_tokens: false },
          ).ids
      : (messages) => encode(renderChatPrompt(messages)),
  };
}

/** The model's Jinja chat template from tokenizer_config.json (a string, or the entry named "default"). */
function chatTemplate(config: object, file: string): Template | undefined {
  const raw = (config as { chat_template?: unknown }).chat_template;
  const source =
    typeof raw === 'string'
      ? raw
      : Array.isArray(raw)
        ? (raw.find((t: { name?: unknown }) => t?.name === 'default') as { template?: unknown } | undefined)?.template
        : undefined;
  if (typeof source !== 'string') return undefined;
  try {
    return new Template(source);
  } catch (cause) {
    throw new TokenizerLoadError(
      `the chat_template beside ${file} does not parse: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

let active: PromptTokenizer = CL100K_TOKENIZER;

/** The process's prompt tokenizer: the one its start-up chose (usePromptTokenizerAt), else cl100k. */
export function promptTokenizer(): PromptTokenizer {
  return active;
}

/** Replaces the process's prompt tokenizer (benchmarks and tests); undefined goes back to cl100k. */
export function setPromptTokenizer(tokenizer: PromptTokenizer | undefined): void {
  active = tokenizer ?? CL100K_TOKENIZER;
}

/**
 * At start-up: the model tokenizer at `path`, loaded now so that a bad path stops the process before it
 * serves anything; cl100k without a path.
 */
export function usePromptTokenizerAt(path: string | undefined): PromptTokenizer {
  setPromptTokenizer(path ? loadHfTokenizer(path) : undefined);
  return active;
}

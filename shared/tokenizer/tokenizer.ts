// The project's tokenizer: OpenAI's cl100k_base BPE, shipped inside the gpt-tokenizer npm package
// (no download at run time). Llama-3's tokenizer is a tiktoken BPE of the same family (128k vocab
// extending cl100k's 100k), so token counts and prefix sharing of text prompts behave like a real
// Llama-3 deployment's within a few percent.
import { decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';

/** Ids above the BPE vocabulary are reserved for special tokens, as in Llama-3 (128000+). */
export const VOCAB_SIZE = 100_256;
/** End-of-sequence token id (cl100k's <|endoftext|>). */
export const EOS_TOKEN_ID = 100_257;

const encodeOptions = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/**
 * Longest run of one character class (letters, whitespace, or punctuation: what cl100k's pre-tokenizer
 * keeps as one piece) given to BPE whole. BPE merges within a piece in time quadratic in its length
 * (measured here with gpt-tokenizer 4: a run of 10,000 spaces 0.25 s, 40,000 spaces 1.4 s), so one
 * request with a megabyte of spaces would hold a scheduler for hours (issue 14). Longer runs are encoded
 * in slices of this many characters: exact for every ordinary text, a few tokens off at the slice
 * boundaries of such runs.
 */
export const MAX_RUN_CHARS = 256;
const LONG_RUN = new RegExp(`\\s{${MAX_RUN_CHARS + 1},}|\\p{L}{${MAX_RUN_CHARS + 1},}|[^\\s\\p{L}\\p{N}]{${MAX_RUN_CHARS + 1},}`, 'gu');

export function tokenize(text: string): number[] {
  LONG_RUN.lastIndex = 0;
  if (!LONG_RUN.test(text)) return encode(text, encodeOptions);
  const out: number[] = [];
  let at = 0;
  LONG_RUN.lastIndex = 0;
  for (const m of text.matchAll(LONG_RUN)) {
    if (m.index > at) out.push(...encode(text.slice(at, m.index), encodeOptions));
    for (let i = 0; i < m[0].length; i += MAX_RUN_CHARS) out.push(...encode(m[0].slice(i, i + MAX_RUN_CHARS), encodeOptions));
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(...encode(text.slice(at), encodeOptions));
  return out;
}

/** Decodes ids to text; ids outside the vocabulary (trace replays use arbitrary ids) map to a visible placeholder. */
export function detokenize(tokenIds: readonly number[]): string {
  let inVocab = true;
  for (const id of tokenIds) {
    if (!(id >= 0 && id < VOCAB_SIZE)) {
      inVocab = false;
      break;
    }
  }
  if (inVocab) return decode(tokenIds as number[]);
  return tokenIds.map((id) => (id >= 0 && id < VOCAB_SIZE ? decode([id]) : ' ?')).join('');
}

// The project's tokenizer: OpenAI's cl100k_base BPE, shipped inside the gpt-tokenizer npm package
// (no download at run time). Llama-3's tokenizer is a tiktoken BPE of the same family (128k vocab
// extending cl100k's 100k), so token counts and prefix sharing of text prompts behave like a real
// Llama-3 deployment's within a few percent.
import { decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';

/** Ids above the BPE vocabulary are reserved for special tokens, as in Llama-3 (128000+). */
export const VOCAB_SIZE = 100_256;
/** End-of-sequence token id (cl100k's <|endoftext|>). */
export const EOS_TOKEN_ID = 100_257;

export function tokenize(text: string): number[] {
  return encode(text, { allowedSpecial: new Set(), disallowedSpecial: new Set() });
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

// Deterministic stand-in for sampling: a request's output is a function of (seed, prompt tokens), as a
// greedy decode would be, drawn from common English words so that detokenized text reads as words and
// stop strings can match. Without ignore_eos a request ends with EOS at a natural length drawn from a
// log-normal: median 143 tokens, σ 0.9, so the mean is 143 × e^(0.9²/2) ≈ 214 tokens, the mean response
// length of LMSYS-Chat-1M (Zheng et al., 2023, Table 1: 214.5 tokens per response).
import { EOS_TOKEN_ID, detokenize, tokenize } from '../../tokenizer/index.js';
import { SeededRandom, mixSeed } from '../../random/index.js';

export const NATURAL_LENGTH_MEDIAN = 143;
export const NATURAL_LENGTH_SIGMA = 0.9;

const WORDS =
  'the of and to in is that for it as with was on be by this are from at or an which have not but ' +
  'they his her can all one there been their has more will would about when what so if out up into ' +
  'time some could them other than then now only its over also new after first two way may down ' +
  'model cache token request engine block prefix route fleet queue batch decode memory fast light';

let wordTokenIds: readonly number[] | undefined;
const textById = new Map<number, string>();

/** Single-token ids of " word" for the word list (computed once). */
export function outputVocabulary(): readonly number[] {
  if (wordTokenIds === undefined) {
    const ids: number[] = [];
    for (const word of WORDS.split(' ')) {
      const t = tokenize(' ' + word);
      if (t.length === 1 && !ids.includes(t[0]!)) ids.push(t[0]!);
    }
    wordTokenIds = ids;
  }
  return wordTokenIds;
}

/** Text of one output token; EOS renders as '' (vLLM skips special tokens when detokenizing). */
export function tokenText(id: number): string {
  if (id === EOS_TOKEN_ID) return '';
  let text = textById.get(id);
  if (text === undefined) {
    text = detokenize([id]);
    textById.set(id, text);
  }
  return text;
}

function promptDigest(tokenIds: readonly number[]): number {
  let h = 0x9747b28c ^ tokenIds.length;
  for (let i = 0; i < tokenIds.length; i++) {
    h = Math.imul(h ^ tokenIds[i]!, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** The tokens one request will generate, one at a time. */
export class OutputTokenStream {
  private readonly rng: SeededRandom;
  private readonly vocabulary = outputVocabulary();
  /** Output length at which EOS is emitted (EOS included); Infinity with ignoreEos. */
  readonly naturalLength: number;
  private produced = 0;

  constructor(seed: number, promptTokenIds: readonly number[], ignoreEos: boolean) {
    this.rng = new SeededRandom(mixSeed(seed, promptDigest(promptTokenIds)));
    const draw = Math.round(NATURAL_LENGTH_MEDIAN * Math.exp(NATURAL_LENGTH_SIGMA * this.rng.nextNormal()));
    this.naturalLength = ignoreEos ? Number.POSITIVE_INFINITY : Math.max(1, draw);
  }

  next(): number {
    this.produced++;
    if (this.produced >= this.naturalLength) return EOS_TOKEN_ID;
    return this.vocabulary[this.rng.nextInt(this.vocabulary.length)]!;
  }
}

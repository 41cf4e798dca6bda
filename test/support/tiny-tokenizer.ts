// A small but real Hugging Face tokenizer.json (byte-level BPE, as GPT-2/Llama-3/Qwen use, with a BOS
// added by the post-processor), written to a temp dir: the stand-in for a model's own tokenizer, which
// tests cannot download.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** GPT-2's byte -> printable character map, which byte-level BPE vocabularies are written in. */
function bytesToUnicode(): Map<number, string> {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i]!)]));
}

export const TINY_MERGES: ReadonlyArray<readonly [string, string]> = [
  ['t', 'h'],
  ['th', 'e'],
  ['Ġ', 'the'],
  ['o', 'u'],
  ['e', 'r'],
];
/** ids: bytes 0..255, then one per merge (256..260), then BOS. */
export const TINY_BOS_ID = 256 + TINY_MERGES.length;

export function tinyTokenizerJson(): object {
  const vocab: Record<string, number> = {};
  for (const [b, ch] of bytesToUnicode()) vocab[ch] = b;
  TINY_MERGES.forEach(([a, b], i) => (vocab[a + b] = 256 + i));
  vocab['<|bos|>'] = TINY_BOS_ID;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: TINY_BOS_ID, content: '<|bos|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|bos|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<|bos|>': { id: '<|bos|>', ids: [TINY_BOS_ID], tokens: ['<|bos|>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: TINY_MERGES.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** A Jinja chat template in the shape models ship in tokenizer_config.json (it writes its own BOS). */
export const TINY_CHAT_TEMPLATE =
  '{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}';

/** Writes tokenizer.json and tokenizer_config.json (with the chat template) into a new temp dir; returns the dir. */
export function writeTinyTokenizer(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atc-tokenizer-'));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<|bos|>', chat_template: TINY_CHAT_TEMPLATE }));
  return dir;
}

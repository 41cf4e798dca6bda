export { EOS_TOKEN_ID, VOCAB_SIZE, detokenize, tokenize } from './tokenizer.js';
export { renderChatPrompt } from './chat-template.js';
export type { ChatMessage } from './chat-template.js';
export {
  CL100K_TOKENIZER,
  TokenizerLoadError,
  loadHfTokenizer,
  promptTokenIds,
  promptTokenizer,
  setPromptTokenizer,
  usePromptTokenizerAt,
} from './prompt-tokenizer.js';
export type { PromptTokenizer } from './prompt-tokenizer.js';
export { INLINE_MAX_CHARS, TokenizerPool } from './tokenizer-pool.js';
export type { PromptTokens, TokenizedPrompt, TokenizerPoolOptions } from './tokenizer-pool.js';

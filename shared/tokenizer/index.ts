export { EOS_TOKEN_ID, VOCAB_SIZE, detokenize, tokenize } from './tokenizer.js';
export { renderChatPrompt } from './chat-template.js';
export type { ChatMessage } from './chat-template.js';

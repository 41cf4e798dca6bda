// Renders OpenAI chat messages into one prompt string, in the shape of Llama-3's chat template, so
// that a conversation's earlier turns are a token prefix of its later requests (which is what makes
// prefix caching pay for multi-turn chat).

import type { PromptMessage } from '../engine/types.js';

/** A chat message (the engine contract's PromptMessage). */
export type ChatMessage = PromptMessage;

export function renderChatPrompt(messages: readonly ChatMessage[]): string {
  // No <|begin_of_text|>: engines add their BOS to a completions prompt themselves (vLLM tokenizes with
  // add_special_tokens=True), so a rendered one would make two.
  let prompt = '';
  for (const message of messages) {
    prompt += `<|start_header_id|>${message.role}<|end_header_id|>\n\n${message.content}<|eot_id|>`;
  }
  // The generation prompt: the assistant's turn starts here.
  prompt += '<|start_header_id|>assistant<|end_header_id|>\n\n';
  return prompt;
}

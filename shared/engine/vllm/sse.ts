// Server-sent events (html.spec.whatwg.org "Server-sent events", the event stream format), reading
// only what OpenAI-style streams use: 'data:' lines, joined per event, events ended by a blank line.

/** The terminal payload of an OpenAI-style stream. */
export const SSE_DONE = '[DONE]';

/** Incremental parser: feed text chunks (any split), take the data payloads of whole events. */
export class SseDecoder {
  private buffer = '';
  private data: string[] = [];

  push(chunk: string): string[] {
    this.buffer += chunk;
    const events: string[] = [];
    for (;;) {
      const newline = this.buffer.search(/\r\n|\r|\n/);
      if (newline < 0) break;
      // A lone '\r' at the very end may be the first half of '\r\n': wait for more.
      if (this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer.startsWith('\r\n', newline) ? 2 : 1));
      this.line(line, events);
    }
    return events;
  }

  /** End of stream: a last event not followed by a blank line is dispatched, as browsers do not; we are lenient. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer !== '') this.line(this.buffer, events);
    this.buffer = '';
    this.line('', events);
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
  }
}

/** Data payloads of an SSE byte stream (a fetch body or an http.IncomingMessage). */
export async function* sseDataPayloads(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new SseDecoder();
  const text = new TextDecoder();
  for await (const chunk of body) {
    yield* decoder.push(text.decode(chunk, { stream: true }));
  }
  yield* decoder.push(text.decode());
  yield* decoder.end();
}

/** One SSE event carrying a JSON payload. */
export function sseEvent(payload: unknown): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
}

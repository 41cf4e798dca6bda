import assert from 'node:assert/strict';
import { SseDecoder, sseDataPayloads } from '../../../shared/engine/vllm/index.js';

function decodeAll(chunks: string[]): string[] {
  const decoder = new SseDecoder();
  return [...chunks.flatMap((c) => decoder.push(c)), ...decoder.end()];
}

describe('SseDecoder', () => {
  const rows: Array<{ name: string; chunks: string[]; expected: string[] }> = [
    { name: 'two events in one chunk', chunks: ['data: {"a":1}\n\ndata: [DONE]\n\n'], expected: ['{"a":1}', '[DONE]'] },
    // A chunk boundary may fall anywhere, even inside "data:" or between \r and \n.
    { name: 'split mid-field and mid-CRLF', chunks: ['da', 'ta: x\r', '\n\r\n', 'data:y\n', '\n'], expected: ['x', 'y'] },
    { name: 'bare CR line endings', chunks: ['data: a\r\rdata: b\r\r'], expected: ['a', 'b'] },
    { name: 'multi-line data joined with \\n', chunks: ['data: one\ndata: two\n\n'], expected: ['one\ntwo'] },
    { name: 'comments and other fields are skipped', chunks: [': keep-alive\n\nevent: x\nid: 3\ndata: z\n\n'], expected: ['z'] },
    { name: 'no space after colon keeps the value intact', chunks: ['data:  two spaces\n\n'], expected: [' two spaces'] },
    { name: 'last event without a blank line is flushed at end', chunks: ['data: tail'], expected: ['tail'] },
    { name: 'blank lines alone make no events', chunks: ['\n\n\n'], expected: [] },
  ];
  for (const row of rows) it(row.name, () => assert.deepEqual(decodeAll(row.chunks), row.expected));

  it('reads a byte stream with a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('data: héllo\n\n');
    const split = bytes.indexOf(0xc3) + 1; // inside the two-byte 'é'
    async function* body(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, split);
      yield bytes.subarray(split);
    }
    const out: string[] = [];
    for await (const data of sseDataPayloads(body())) out.push(data);
    assert.deepEqual(out, ['héllo']);
  });
});

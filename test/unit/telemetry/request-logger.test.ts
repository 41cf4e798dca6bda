import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { pino, type Logger } from 'pino';
import { createLogger, initTracing, loggablePrompt, requestLogger, withSpan } from '../../../shared/telemetry/index.js';

/** A pino logger writing JSON lines into an array. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info', base: { service: 'test' } }, stream), lines };
}

/** pino writes asynchronously through the stream; one macrotask lets it land. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('telemetry: request logs', () => {
  it('binds requestId to every line, and no trace fields without a span', async () => {
    const { logger, lines } = capturingLogger();
    const log = requestLogger(logger, 'req-1');
    log.info('one');
    log.warn({ workerId: 'w1' }, 'two');
    await settle();
    assert.deepEqual(
      lines.map((l) => [l['requestId'], l['trace_id'], l['msg']]),
      [
        ['req-1', undefined, 'one'],
        ['req-1', undefined, 'two'],
      ],
    );
  });

  it('binds trace_id and span_id of the active span', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = initTracing('ingress', { env: {}, exporter });
    try {
      const { logger, lines } = capturingLogger();
      withSpan('request', {}, () => requestLogger(logger, 'req-2').info('inside'));
      await tracing.forceFlush();
      await settle();
      const [span] = exporter.getFinishedSpans();
      assert.equal(lines[0]!['requestId'], 'req-2');
      assert.equal(lines[0]!['trace_id'], span!.spanContext().traceId);
      assert.equal(lines[0]!['span_id'], span!.spanContext().spanId);
    } finally {
      await tracing.shutdown();
    }
  });

  it('keeps prompts out of logs unless enabled', () => {
    const chat = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ];
    const rows: Array<[prompt: Parameters<typeof loggablePrompt>[0], enabled: boolean, expected: unknown, why: string]> = [
      ['secret text', false, '[redacted: 11 chars]', 'a completion prompt: its length only'],
      ['secret text', true, 'secret text', '--log-prompts: the prompt itself'],
      [chat, false, '[redacted: 2 messages, 10 chars]', 'chat: 8 + 2 chars of content'],
      [['ab', 'cde'], false, '[redacted: 2 prompts, 5 chars]', 'a batch of prompts'],
      [[101, 102, 103], false, '[redacted: 3 tokens]', 'token ids'],
      [[], false, '[redacted: 0 prompts, 0 chars]', 'empty list'],
    ];
    for (const [prompt, enabled, expected, why] of rows) assert.deepEqual(loggablePrompt(prompt, enabled), expected, why);
  });

  it('createLogger keeps its API: service and bindings on the base', () => {
    const logger = createLogger('scheduler', 'silent', { replicaId: 'r1' });
    assert.deepEqual(logger.bindings(), { service: 'scheduler', replicaId: 'r1' });
    assert.equal(logger.level, 'silent');
  });
});

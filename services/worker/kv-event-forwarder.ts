// Forwards the engine's KV cache events to schedulers on atc.events.kv.<workerId>, in vLLM's own msgpack
// batch layout ([ts, events, data_parallel_rank]), with the batch sequence number in header Atc-Seq
// (as vLLM's ZMQ publisher puts it in its second frame). Numbers start at 0 when the worker starts, so a
// scheduler sees a restart as a sequence going backwards and a lost message as a gap; either way it
// drops this worker's prefix-index entries and rebuilds them rather than trusting a wrong index.
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { EventOutbox } from './event-outbox.js';
import type { Engine, KvEventBatch } from '../../shared/engine/types.js';
import { encodeKvEventBatch } from '../../shared/engine/vllm/index.js';
import { AtcHeader, eventSubjects } from '../../shared/protocol/index.js';

export class KvEventForwarder {
  private seq = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly events: EventOutbox,
    private readonly workerId: string,
    private readonly engine: Engine,
  ) {}

  start(): void {
    this.unsubscribe = this.engine.onKvEvents((batch) => this.forward(batch));
  }

  /** Events were lost upstream (e.g. vLLM's ZMQ stream had a gap): pass the gap on so schedulers resync. */
  upstreamGap(): void {
    this.seq++;
  }

  private forward(batch: KvEventBatch): void {
    const h = natsHeaders();
    h.set(AtcHeader.KvSeq, String(this.seq++));
    // Through the outbox, in order: the engine step that stored these blocks also produced tokens, and
    // the requester's message goes out first.
    this.events.publish(eventSubjects.kv(this.workerId), encodeKvEventBatch(batch), h);
  }

  stop(): void {
    this.unsubscribe?.();
  }
}

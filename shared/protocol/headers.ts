// NATS header names of our protocol, in one place (trace context travels in W3C's own headers).
export const AtcHeader = {
  /** Per-worker sequence number of a KV event batch on atc.events.kv.<id>: a gap means a lost batch. */
  KvSeq: 'Atc-Seq',
  /** The request id of a client-API reply (and, on a request, the id the client asks for). */
  RequestId: 'Atc-Request-Id',
  /** The HTTP status the same failure would get, on a client-API error reply. */
  Status: 'Atc-Status',
  /** Seconds after which a retry is worth it, on a 429 client-API error reply (HTTP's Retry-After). */
  RetryAfter: 'Atc-Retry-After',
  /** `done` on the last message of a client-API stream. */
  Stream: 'Atc-Stream',
  /** On a pick reply: the replica token (replicaToken) of the scheduler that answered. */
  Replica: 'Atc-Replica',
} as const;
export type AtcHeader = (typeof AtcHeader)[keyof typeof AtcHeader];

// Every NATS subject and JetStream KV bucket name of llm-atc, built in one place.

/** Worker ids become subject tokens and KV keys: keep them to a safe alphabet. */
const WORKER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function assertWorkerId(workerId: string): string {
  if (!WORKER_ID.test(workerId)) {
    throw new TypeError(`worker id must match ${WORKER_ID} (letters, digits, '_' or '-', 1..64 chars), got ${JSON.stringify(workerId)}`);
  }
  return workerId;
}

/** The client-facing NATS API: same JSON bodies as the HTTP API. */
export const clientApi = {
  completions: 'atc.v1.completions',
  chatCompletions: 'atc.v1.chat.completions',
  models: 'atc.v1.models',
  /** Body {"request_id": "..."}: cancels a request started over NATS (every ingress listens). */
  cancel: 'atc.v1.cancel',
} as const;

/** Ingress -> scheduler queue group: "where should this request run?" */
export const schedulerPick = 'atc.sched.pick';

/** A replica id as one subject token (host names may hold dots). */
export function replicaToken(replicaId: string): string {
  return replicaId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || '_';
}

/**
 * One replica's own pick subject (same messages as schedulerPick): the ingress retries a pick that got
 * no answer on the replica that answered it last, so a hung-but-connected replica is not asked again.
 */
export const schedulerReplicaPick = (replicaId: string) => `atc.sched.pick.${replicaToken(replicaId)}`;

/**
 * Every replica (no queue group): "do you hold pick <request id> (queued or deciding)?" (body: the request
 * id as UTF-8). Only a replica holding it answers (empty body); silence means the pick is lost (its
 * replica hung or died, or the message was lost) and the ingress sends it again.
 */
export const schedulerHeld = 'atc.sched.held';

export const workerSubjects = {
  generate: (workerId: string) => `atc.worker.${assertWorkerId(workerId)}.generate`,
  prefill: (workerId: string) => `atc.worker.${assertWorkerId(workerId)}.prefill`,
  cancel: (workerId: string) => `atc.worker.${assertWorkerId(workerId)}.cancel`,
  /** Liveness probe (empty request, empty reply): a decode worker asks its prefill worker while it waits on it. */
  ping: (workerId: string) => `atc.worker.${assertWorkerId(workerId)}.ping`,
  /** KvReleaseV1 to a prefill worker. */
  release: (workerId: string) => `atc.worker.${assertWorkerId(workerId)}.release`,
  /**
   * Empty request, DirectGrantV1 reply: the worker's direct connection address and its token. Only who
   * may dispatch to the worker (the ingress's NATS user) may ask, so the token is as guarded as the
   * worker's generate subject.
   */
  direct: (workerId: string) => `atc.worker.${assertWorkerId(workerId)}.direct`,
} as const;

export const eventSubjects = {
  load: (workerId: string) => `atc.events.load.${assertWorkerId(workerId)}`,
  loadAll: 'atc.events.load.*',
  kv: (workerId: string) => `atc.events.kv.${assertWorkerId(workerId)}`,
  kvAll: 'atc.events.kv.*',
  /** Request lifecycle records of a worker: RequestFirstTokenV1 and RequestCompletedV1. */
  completed: (workerId: string) => `atc.events.done.${assertWorkerId(workerId)}`,
  completedAll: 'atc.events.done.*',
} as const;

/** The worker id is the last token of a per-worker event subject. */
export function workerIdOfEventSubject(subject: string): string | undefined {
  const id = subject.slice(subject.lastIndexOf('.') + 1);
  return WORKER_ID.test(id) ? id : undefined;
}

export const queueGroups = {
  scheduler: 'atc-scheduler',
  ingress: 'atc-ingress',
} as const;

export const kvBuckets = {
  /** Worker registry: one key per worker id, refreshed by heartbeats, aged out by the bucket's TTL. */
  workers: 'atc_workers',
  /** Prefix-cache ownership snapshots of the schedulers. */
  prefixOwners: 'atc_prefix_owners',
  /** KV-block handoff records from prefill to decode workers. */
  kvHandoff: 'atc_kv_handoff',
} as const;

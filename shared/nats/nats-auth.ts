// Who may publish and subscribe to what on llm-atc's NATS: one user per service role, with permissions
// that let each role use only its own subjects, written as a nats-server configuration.
//
// nats-server supports per-user publish/subscribe permissions in its configuration file (plain
// user/password authorization, https://docs.nats.io/running-a-nats-service/configuration/securing_nats/authorization),
// and `allow_responses` lets a service answer the requests it received without a publish permission on
// the requester's inbox. Templated permissions ({{name()}}, {{tag()}}) exist only in JWT (operator) mode,
// which needs an operator, account and user JWTs issued with `nsc`; a configuration file keeps `npm start`
// a single command. So a worker's isolation comes from one user per worker id, generated for every worker
// the start script launches (deployments list theirs, see deploy/README.md).
//
// Each user gets a private inbox prefix, _INBOX.<user>: it may subscribe there and nowhere else in
// _INBOX, so no one can read another's replies or token streams.
import { randomBytes } from 'node:crypto';
import { assertWorkerId, kvBuckets } from '../protocol/index.js';

export const NatsRole = {
  Ingress: 'ingress',
  /** An ingress that picks in-process (--scheduler in-process): the ingress's rights and a scheduler's feeds. */
  IngressScheduler: 'ingress-scheduler',
  Scheduler: 'scheduler',
  Worker: 'worker',
  /** A NATS client of the OpenAI API (atc.v1.*). */
  Client: 'client',
  /** Everything: for operators' tools (nats CLI) and test observers; never given to a service. */
  Admin: 'admin',
} as const;
export type NatsRole = (typeof NatsRole)[keyof typeof NatsRole];

export interface NatsUser {
  readonly user: string;
  readonly password: string;
  readonly role: NatsRole;
  /** Worker role: the worker id this user may act as. */
  readonly workerId?: string;
}

export interface Permissions {
  readonly publish: { readonly allow: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
  /** Answer requests received, one reply each, without a publish permission on the reply subject. */
  readonly allow_responses?: boolean;
}

/** User names become inbox tokens: the worker-id alphabet. */
const USER_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The inbox prefix of a NATS user: pass as the connection's inboxPrefix. */
export function inboxPrefixOf(user: string): string {
  if (!USER_NAME.test(user)) throw new TypeError(`NATS user name must match ${USER_NAME}, got ${JSON.stringify(user)}`);
  return `_INBOX.${user}`;
}

/** The user name of a worker id (one user per worker). */
export const workerUserName = (workerId: string) => `worker-${assertWorkerId(workerId)}`;

/** The ingress's user name: workers stream tokens into its inboxes. */
export const INGRESS_USER = 'ingress';

/** JetStream API subjects to open (create when missing) and read one KV bucket: info, consumers for watch/keys, gets. */
function kvRead(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Publish permissions to write `key` (a token or a wildcard) of a KV bucket. */
const kvWrite = (bucket: string, key: string) => [`$KV.${bucket}.${key}`];

export function permissionsFor(role: NatsRole, user: string, workerId?: string): Permissions {
  const inbox = `${inboxPrefixOf(user)}.>`;
  switch (role) {
    case NatsRole.Client:
      return { publish: { allow: ['atc.v1.>'] }, subscribe: { allow: [inbox] } };
    case NatsRole.Ingress:
      return {
        publish: {
          // _INBOX.>: the NATS API streams many replies to a client's inbox (allow_responses allows one).
          // atc.sched.pick.* and atc.sched.held: a pick no replica answers is asked again (RELIABILITY.md).
          allow: [
            'atc.sched.pick',
            'atc.sched.pick.*',
            'atc.sched.held',
            'atc.worker.*.generate',
            'atc.worker.*.cancel',
            // A worker's direct-connection token (--direct-listen): only who may send it generate requests gets it.
            'atc.worker.*.direct',
            '_INBOX.>',
            ...kvRead(kvBuckets.workers),
          ],
        },
        subscribe: { allow: ['atc.v1.>', 'atc.events.load.*', inbox] },
        allow_responses: true,
      };
    case NatsRole.IngressScheduler: {
      // A scheduler's event feeds and prefix-ownership bucket; not its pick subjects (nobody asks it over NATS).
      const ingress = permissionsFor(NatsRole.Ingress, user);
      const owners = [...kvRead(kvBuckets.prefixOwners), ...kvWrite(kvBuckets.prefixOwners, '>')];
      return {
        publish: { allow: [...ingress.publish.allow, ...owners.filter((s) => !ingress.publish.allow.includes(s))] },
        subscribe: { allow: [...ingress.subscribe.allow.filter((s) => s !== 'atc.events.load.*'), 'atc.events.>'] },
        allow_responses: true,
      };
    }
    case NatsRole.Scheduler:
      return {
        publish: {
          allow: [...kvRead(kvBuckets.workers), ...kvRead(kvBuckets.prefixOwners), ...kvWrite(kvBuckets.prefixOwners, '>')],
        },
        subscribe: { allow: ['atc.sched.pick', 'atc.sched.pick.*', 'atc.sched.held', 'atc.events.>', inbox] },
        allow_responses: true,
      };
    case NatsRole.Worker: {
      if (workerId === undefined) throw new TypeError('a worker user needs its worker id');
      const id = assertWorkerId(workerId);
      return {
        publish: {
          allow: [
            `atc.events.load.${id}`,
            `atc.events.kv.${id}`,
            `atc.events.done.${id}`,
            // Token streams go to the ingress's inboxes only; prefill requests and KV releases to any worker.
            `${inboxPrefixOf(INGRESS_USER)}.>`,
            'atc.worker.*.prefill',
            'atc.worker.*.release',
            // A decode worker pings the prefill worker it waits on.
            'atc.worker.*.ping',
            ...kvRead(kvBuckets.workers),
            ...kvWrite(kvBuckets.workers, id),
            ...kvRead(kvBuckets.kvHandoff),
            ...kvWrite(kvBuckets.kvHandoff, '>'),
          ],
        },
        subscribe: { allow: [`atc.worker.${id}.>`, inbox] },
        allow_responses: true,
      };
    }
    case NatsRole.Admin:
      return { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
  }
}

/** A random password: 24 bytes, base64url (no quoting needed anywhere). */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

export interface GeneratedUsers {
  readonly ingress: NatsUser;
  readonly scheduler: NatsUser;
  readonly workers: ReadonlyMap<string, NatsUser>;
  readonly clients: readonly NatsUser[];
  readonly admin: NatsUser;
  readonly all: readonly NatsUser[];
}

/**
 * One user per role, one per worker id and one per client name, each with a fresh random password.
 * `ingressPicks`: the ingress runs its scheduler in-process and gets the IngressScheduler rights.
 */
export function generateUsers(
  workerIds: readonly string[],
  clientNames: readonly string[] = ['client'],
  ingressPicks = false,
): GeneratedUsers {
  const make = (user: string, role: NatsRole, workerId?: string): NatsUser => {
    inboxPrefixOf(user); // validates the name
    return { user, password: randomPassword(), role, ...(workerId !== undefined ? { workerId } : {}) };
  };
  const ingress = make(INGRESS_USER, ingressPicks ? NatsRole.IngressScheduler : NatsRole.Ingress);
  const scheduler = make('scheduler', NatsRole.Scheduler);
  const workers = new Map(workerIds.map((id) => [id, make(workerUserName(id), NatsRole.Worker, id)]));
  const clients = clientNames.map((c) => make(c, NatsRole.Client));
  const admin = make('atc-admin', NatsRole.Admin);
  return { ingress, scheduler, workers, clients, admin, all: [ingress, scheduler, ...workers.values(), ...clients, admin] };
}

/** The `authorization` block of a nats-server configuration for these users. */
export function authorizationBlock(users: readonly NatsUser[]): object {
  const names = new Set<string>();
  for (const u of users) {
    if (names.has(u.user)) throw new Error(`NATS user ${u.user} is declared twice`);
    names.add(u.user);
  }
  return {
    users: users.map((u) => ({ user: u.user, password: u.password, permissions: permissionsFor(u.role, u.user, u.workerId) })),
  };
}

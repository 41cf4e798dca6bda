// Mocha hooks: a real nats-server (JetStream on) on a free port for the enclosing suite.
// useNatsServer() allows anonymous clients (suites where access control is not the subject);
// useNatsServer({ auth: { workers: [...] } }) starts it with llm-atc's generated users and permissions
// (shared/nats/nats-auth.ts), and connectOptions(user) gives the options to connect as one of them.
import type { ConnectionOptions } from '@nats-io/transport-node';
import {
  authorizationBlock,
  generateUsers,
  inboxPrefixOf,
  startNatsServer,
  type GeneratedUsers,
  type NatsServerHandle,
  type NatsUser,
} from '../../shared/nats/index.js';

export interface SuiteNats {
  readonly url: string;
  /** The generated users (auth suites only). */
  readonly users: GeneratedUsers;
  /** Connection options as this user (its private inbox prefix included). */
  connectOptions(user: NatsUser): ConnectionOptions;
}

export interface SuiteNatsOptions {
  /** Start with users and permissions: one user per worker id here, and per client name (default ['client']). */
  readonly auth?: { readonly workers: readonly string[]; readonly clients?: readonly string[] };
  /** nats-server max_payload, bytes. */
  readonly maxPayload?: number;
}

export function useNatsServer(options: SuiteNatsOptions = {}): SuiteNats {
  let server: NatsServerHandle | undefined;
  const users = options.auth ? generateUsers(options.auth.workers, options.auth.clients ?? ['client']) : undefined;
  const handle: SuiteNats = {
    get url(): string {
      if (!server) throw new Error('nats-server not started yet (use it inside hooks or tests)');
      return server.url;
    },
    get users(): GeneratedUsers {
      if (!users) throw new Error('this suite started nats-server without auth');
      return users;
    },
    connectOptions: (user) => ({ servers: handle.url, user: user.user, pass: user.password, inboxPrefix: inboxPrefixOf(user.user) }),
  };
  before(async function () {
    this.timeout(20_000);
    // The binary scripts/ensure-nats-server.sh found or was pointed at.
    const binary = process.env['ATC_NATS_SERVER'];
    server = await startNatsServer({
      ...(binary ? { binary } : {}),
      ...(users ? { authorization: authorizationBlock(users.all) } : {}),
      ...(options.maxPayload ? { maxPayload: options.maxPayload } : {}),
    });
  });
  after(async () => {
    await server?.stop();
  });
  return handle;
}

/** A generated user as a service's NATS credential options (--nats-user, its password). */
export const credentialsOf = (u: NatsUser) => ({ natsUser: u.user, natsPassword: u.password });

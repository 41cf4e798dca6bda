// Connects a service to NATS with the project's defaults: endless reconnects (a service outlives a NATS
// restart), a name that shows in `nats server report connections`, reconnect logging, and the
// credentials and TLS settings of natsCredentialOptions (shared/config/common-options.ts).
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { inboxPrefixOf } from './nats-auth.js';

/** Credentials and TLS of a NATS connection, as the options parse them. */
export interface NatsCredentials {
  readonly natsUser?: string | undefined;
  readonly natsPassword?: string | undefined;
  readonly natsPasswordFile?: string | undefined;
  readonly natsCreds?: string | undefined;
  readonly natsNkeySeed?: string | undefined;
  readonly natsInboxPrefix?: string | undefined;
  readonly natsTlsCa?: string | undefined;
  readonly natsTlsCert?: string | undefined;
  readonly natsTlsKey?: string | undefined;
}

export interface ConnectOptions {
  readonly servers: string;
  /** Connection name, e.g. "atc-ingress" or "atc-decode-worker/decode-1". */
  readonly name: string;
  readonly logger?: Logger;
  /** Called on each reconnect (metrics). */
  readonly onReconnect?: () => void;
  readonly credentials?: NatsCredentials;
}

/** nats.js connection options for these credentials (files are read here, so a bad path fails at start-up). */
export function natsAuthOptions(c: NatsCredentials = {}): Partial<ConnectionOptions> {
  const out: { -readonly [K in keyof ConnectionOptions]?: ConnectionOptions[K] } = {};
  const password = c.natsPasswordFile ? readFileSync(c.natsPasswordFile, 'utf8').trim() : c.natsPassword;
  if (c.natsUser) {
    out.user = c.natsUser;
    if (password !== undefined) out.pass = password;
  } else if (password !== undefined) throw new Error('a NATS password needs a NATS user (--nats-user / ATC_NATS_USER)');
  if (c.natsCreds) {
    const creds = readFileSync(c.natsCreds);
    out.authenticator = credsAuthenticator(new Uint8Array(creds));
  } else if (c.natsNkeySeed) {
    const seed = readFileSync(c.natsNkeySeed, 'utf8').trim();
    out.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  const inboxPrefix = c.natsInboxPrefix ?? (c.natsUser ? inboxPrefixOf(c.natsUser) : undefined);
  if (inboxPrefix) out.inboxPrefix = inboxPrefix;
  if (c.natsTlsCa || c.natsTlsCert || c.natsTlsKey) {
    if (Boolean(c.natsTlsCert) !== Boolean(c.natsTlsKey)) throw new Error('NATS mutual TLS needs both --nats-tls-cert and --nats-tls-key');
    out.tls = {
      ...(c.natsTlsCa ? { ca: readFileSync(c.natsTlsCa, 'utf8') } : {}),
      ...(c.natsTlsCert ? { cert: readFileSync(c.natsTlsCert, 'utf8') } : {}),
      ...(c.natsTlsKey ? { key: readFileSync(c.natsTlsKey, 'utf8') } : {}),
    };
  }
  return out;
}

export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // No Error (and stack capture) made up front for every request() in case it fails: that cost the
    // ingress ~0.1 ms a pick and dispatch (path-latency profile, BENCHMARKS.md); failures keep their own stack.
    noAsyncTraces: true,
    ...natsAuthOptions(options.credentials),
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'reconnect') options.onReconnect?.();
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        options.logger?.warn(
          {
            natsStatus: status.type,
            server: 'server' in status ? status.server : undefined,
            err: 'error' in status ? String(status.error) : undefined,
          },
          `nats ${status.type}`,
        );
      }
    }
  })().catch(() => undefined);
  return nc;
}

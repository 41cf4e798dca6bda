// Starts a local `nats-server` with JetStream as a child process: for `npm start` and for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** JetStream store directory; default a fresh temp dir, removed on stop. */
  readonly storeDir?: string;
  /** Binary (a process's --nats-server / ATC_NATS_SERVER); default `nats-server` on PATH, else /usr/sbin/nats-server (Debian). */
  readonly binary?: string;
  /** ms to wait for the server to accept connections. Default 10000. */
  readonly startTimeoutMs?: number;
  /** Called with each line the server prints (it logs to stderr). */
  readonly onLog?: (line: string) => void;
  /** A member of a NATS cluster with JetStream clustering (RAFT): its name, its route port, and the others' route ports. */
  readonly cluster?: { readonly name: string; readonly serverName: string; readonly port: number; readonly routes: readonly number[] };
  /** The configuration's `authorization` block (nats-auth.ts); default none: anonymous clients allowed. */
  readonly authorization?: object;
  /** Largest message, bytes (nats-server's max_payload; its default is 1 MiB, its ceiling 64 MiB). */
  readonly maxPayload?: number;
}

export interface NatsServerHandle {
  readonly url: string;
  readonly port: number;
  /** The server's process id. */
  readonly pid: number | undefined;
  /** The directory with its configuration (and its store unless one was given); removed on stop. */
  readonly workDir: string;
  /**
   * Replaces the configuration's authorization block and has the server reload it (SIGHUP): users added
   * or removed while it runs. Resolves once the signal is sent; the reload itself takes a moment.
   */
  reloadAuthorization(authorization: object): void;
  /** Idempotent: stops the server and removes a temp store dir. */
  stop(): Promise<void>;
  /** Kills the server abruptly (SIGKILL), as a crash would; stop() still cleans up. */
  kill(): void;
}

export function natsServerBinary(explicit?: string): string {
  if (explicit) return explicit;
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error(
    'nats-server not found: run `bash scripts/ensure-nats-server.sh` (installs it where it can and says how otherwise), or set ATC_NATS_URL to an existing NATS server',
  );
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether nothing listens on host:port (binding it succeeds). */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** A NATS cluster of `size` servers on loopback, each with JetStream and its own store (a temp dir). */
export async function startNatsCluster(
  size: number,
  options: Omit<NatsServerOptions, 'port' | 'storeDir' | 'cluster'> = {},
): Promise<{ readonly url: string; readonly servers: NatsServerHandle[]; stop(): Promise<void> }> {
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = await Promise.all(Array.from({ length: size }, () => freePort()));
  const servers = await Promise.all(
    ports.map((port, i) =>
      startNatsServer({
        ...options,
        port,
        cluster: { name: 'atc', serverName: `n${i + 1}`, port: routes[i]!, routes: routes.filter((_, j) => j !== i) },
      }),
    ),
  );
  return {
    url: servers.map((s) => s.url).join(','),
    servers,
    stop: async () => void (await Promise.all(servers.map((s) => s.stop()))),
  };
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = natsServerBinary(options.binary);
  const port = options.port && options.port > 0 ? options.port : await freePort();
  // Another process on the port would answer our readiness probe and take our clients.
  if (options.port && options.port > 0 && !(await portIsFree(port)))
    throw new Error(`port ${port} is taken by another process: stop it or choose another NATS port (0: a free one)`);
  // One temp dir per server: its configuration (passwords: the dir is 0700, the file 0600) and its store.
  const workDir = mkdtempSync(join(tmpdir(), 'atc-nats-'));
  const storeDir = options.storeDir ?? join(workDir, 'store');
  mkdirSync(storeDir, { recursive: true });
  const configPath = join(workDir, 'nats.conf');
  // nats-server's configuration format accepts JSON. Everything is in the file, flags included: a reload
  // (SIGHUP) re-reads only the file, and JetStream enabled by the -js flag alone was off after one.
  const config = {
    host: '127.0.0.1',
    port,
    jetstream: { store_dir: storeDir },
    ...(options.authorization ? { authorization: options.authorization } : {}),
    ...(options.maxPayload ? { max_payload: options.maxPayload } : {}),
    // A member of a NATS cluster: JetStream clustering (RAFT) needs a server name and the cluster's name.
    ...(options.cluster
      ? {
          server_name: options.cluster.serverName,
          cluster: {
            name: options.cluster.name,
            listen: `127.0.0.1:${options.cluster.port}`,
            routes: options.cluster.routes.map((p) => `nats://127.0.0.1:${p}`),
          },
        }
      : {}),
  };
  const writeConfig = (c: object) => writeFileSync(configPath, JSON.stringify(c, null, 2), { mode: 0o600 });
  writeConfig(config);
  // Its own process group: a Ctrl-C in the terminal reaches the services (which then leave the registry
  // cleanly) but not the server they need for that; stop() ends it afterwards. If this process exits
  // without stop(), the server goes with it.
  const child: ChildProcess = spawn(binary, ['-c', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  let exitInfo = '';
  const lines: string[] = [];
  child.on('exit', (code, signal) => {
    exited = true;
    exitInfo = `code ${code} signal ${signal}`;
  });
  child.on('error', (err) => {
    exited = true;
    exitInfo = String(err);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      if (lines.length < 50) lines.push(line);
      options.onLog?.(line);
    }
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await canConnect(port))) {
    if (exited) {
      rmSync(workDir, { recursive: true, force: true });
      throw new Error(`nats-server exited during start-up (${exitInfo}):\n${lines.join('\n')}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(workDir, { recursive: true, force: true });
      throw new Error(`nats-server did not accept connections on port ${port} within ${options.startTimeoutMs ?? 10_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill: () => void child.kill('SIGKILL'),
    pid: child.pid,
    workDir,
    reloadAuthorization: (authorization) => {
      writeConfig({ ...config, authorization });
      child.kill('SIGHUP');
    },
    stop: () => {
      stopping ??= (async () => {
        if (!exited) {
          const gone = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await gone;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
        rmSync(workDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

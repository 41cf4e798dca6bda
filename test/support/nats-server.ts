// Mocha hooks: a real nats-server (JetStream on) on a free port for the enclosing suite.
import { startNatsServer, type NatsServerHandle } from '../../shared/nats/index.js';

export interface SuiteNats {
  readonly url: string;
}

export function useNatsServer(): SuiteNats {
  let server: NatsServerHandle | undefined;
  const handle = {
    get url(): string {
      if (!server) throw new Error('nats-server not started yet (use it inside hooks or tests)');
      return server.url;
    },
  };
  before(async function () {
    this.timeout(20_000);
    // The binary scripts/ensure-nats-server.sh found or was pointed at.
    const binary = process.env['ATC_NATS_SERVER'];
    server = await startNatsServer(binary ? { binary } : {});
  });
  after(async () => {
    await server?.stop();
  });
  return handle;
}

// A bare NATS responder in its own process, for path-latency's floor: it answers every request on
// ATC_ECHO_SUBJECT at once with the request's bytes. Connects with the NATS options its parent sends
// over IPC (the cluster's admin user), says 'ready' when subscribed, and exits when the parent does.
import { connect, type ConnectionOptions } from '@nats-io/transport-node';

process.once('message', (options: ConnectionOptions) => {
  void (async () => {
    const nc = await connect(options);
    nc.subscribe(process.env['ATC_ECHO_SUBJECT'] ?? 'atc.bench.echo', { callback: (_err, msg) => void msg.respond(msg.data) });
    await nc.flush();
    process.send?.('ready');
    process.once('disconnect', () => void nc.close().finally(() => process.exit(0)));
  })();
});

// Subscription callbacks that cannot take their subscription down: nats.js ends a subscription whose
// callback throws, so a bug or an unexpected message would silently stop a service from listening.
import type { Msg } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export function guarded(logger: Logger, what: string, handle: (msg: Msg) => void): (err: Error | null, msg: Msg) => void {
  return (err, msg) => {
    if (err) {
      logger.warn({ err: err.message, what }, 'subscription error');
      return;
    }
    try {
      handle(msg);
    } catch (e) {
      logger.error(
        { err: e instanceof Error ? e.message : String(e), subject: msg.subject, what },
        'message handler failed; message dropped',
      );
    }
  };
}

// Runs `close` once on SIGINT/SIGTERM and exits; a second signal exits at once. A process started by a
// local cluster (ATC_EXIT_WITH_PARENT=1, its stdin a pipe from the parent) also closes when that pipe
// closes: the parent is gone, even if it was SIGKILLed and could not stop its children itself.
import type { Logger } from 'pino';

/** ms a close started by the parent's death may take before the process exits anyway (NATS may be gone too). */
const ORPHAN_CLOSE_LIMIT_MS = 5_000;

export function closeOnSignals(close: () => Promise<void>, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals | 'parent-gone') => {
    if (closing) process.exit(1);
    closing = true;
    logger.info({ signal }, 'shutting down');
    if (signal === 'parent-gone') setTimeout(() => process.exit(1), ORPHAN_CLOSE_LIMIT_MS).unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (process.env['ATC_EXIT_WITH_PARENT'] === '1') exitWithParent(() => onSignal('parent-gone'));
}

/** Calls `gone` once when stdin (a pipe from the parent) ends or closes. */
export function exitWithParent(gone: () => void): void {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    gone();
  };
  process.stdin.on('end', once);
  process.stdin.on('close', once);
  process.stdin.on('error', once);
  process.stdin.resume();
}

// The reaper of a local cluster (local-cluster.ts), a detached process: argv = the nats-server's pid and
// its temp dir; each line on stdin is a service's pid. When stdin closes (the cluster's process is gone,
// even by SIGKILL, or stopped cleanly), it waits up to 10 s for the services to stop (they watch their own
// pipe and leave the registry while NATS is still up), then stops the nats-server and removes its dir.
import { rmSync } from 'node:fs';

const [natsPidText, workDir] = process.argv.slice(2);
const natsPid = Number(natsPidText);
const services = new Set<number>();
const SERVICES_GRACE_MS = 10_000;
const SERVER_GRACE_MS = 3_000;
const POLL_MS = 100;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: () => number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (pids().some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) if (/^\d+$/.test(line)) services.add(Number(line));
});
process.stdin.on('error', () => undefined);
process.stdin.on('close', () => {
  void (async () => {
    await waitGone(() => [...services], SERVICES_GRACE_MS);
    for (const pid of services) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (Number.isInteger(natsPid) && natsPid > 0 && alive(natsPid)) {
      process.kill(natsPid, 'SIGTERM');
      await waitGone(() => [natsPid], SERVER_GRACE_MS);
      if (alive(natsPid)) process.kill(natsPid, 'SIGKILL');
    }
    if (workDir && workDir.includes('atc-nats-')) rmSync(workDir, { recursive: true, force: true });
    process.exit(0);
  })();
});

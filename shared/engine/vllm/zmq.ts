// The one place that loads `zeromq` (libzmq bindings, an optional dependency). It is imported on
// first use, so only processes that speak ZMQ (a worker in front of vLLM, vllm-sim with KV events)
// need the native addon; SimEngine workers, the scheduler and ingress never load it.
import type * as Zmq from 'zeromq';

export type ZmqModule = typeof Zmq;

/** zeromq's prebuilt addon is missing or does not load on this platform. */
export class ZmqUnavailableError extends Error {
  override name = 'ZmqUnavailableError';
}

let loading: Promise<ZmqModule> | undefined;

/** Imports zeromq once per process; rejects with ZmqUnavailableError, retried on the next call. */
export function loadZmq(): Promise<ZmqModule> {
  loading ??= import('zeromq').catch((error: unknown) => {
    loading = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ZmqUnavailableError(
      `vLLM KV events need the optional package 'zeromq', which could not be loaded (${reason}). ` +
        "Install it with 'npm install zeromq@6.8.0' (it ships prebuilt binaries for linux x64/arm64, macOS and Windows), " +
        'or run without a KV-events endpoint.',
      { cause: error },
    );
  });
  return loading;
}

/** A scheduler config that cannot be loaded; the message names the plugin and the field. */
export class SchedulingConfigError extends Error {
  override name = 'SchedulingConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A plugin needs scheduling state its context lacks, or broke its contract; the message names it. */
export class SchedulingStateError extends Error {
  override name = 'SchedulingStateError';
}

/** No worker passed the decode profile's filters. */
export class NoEligibleWorkerError extends Error {
  override name = 'NoEligibleWorkerError';
  constructor(
    message: string,
    /** Filter name -> worker ids it removed, for the error reply. */
    readonly removedBy: Readonly<Record<string, readonly string[]>>,
  ) {
    super(message);
  }
}

// Fault tests' bookkeeping: a request either succeeded, failed cleanly (an OpenAI-format error reply),
// hung (no answer within its limit) or was lost (the connection broke without an answer). Hung and lost
// must stay 0 whatever the fault.
export interface FaultCounts {
  succeeded: number;
  failedCleanly: number;
  hung: number;
  lost: number;
  /** Clean failures by status and error code, e.g. "503 no_worker_available". */
  readonly failures: Record<string, number>;
}

export function newCounts(): FaultCounts {
  return { succeeded: 0, failedCleanly: 0, hung: 0, lost: 0, failures: {} };
}

/** One completion through the HTTP API, classified. */
export async function countedCompletion(
  counts: FaultCounts,
  baseUrl: string,
  body: Record<string, unknown>,
  limitMs = 20_000,
  headers: Record<string, string> = {},
): Promise<Response | undefined> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(limitMs),
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') counts.hung++;
    else counts.lost++;
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = await res.clone().json();
  } catch {
    counts.lost++;
    return undefined;
  }
  if (res.status === 200) counts.succeeded++;
  else {
    const code = (parsed as { error?: { code?: unknown } }).error?.code;
    if (typeof code !== 'string') {
      counts.lost++;
      return undefined;
    }
    counts.failedCleanly++;
    const key = `${res.status} ${code}`;
    counts.failures[key] = (counts.failures[key] ?? 0) + 1;
  }
  return res;
}

/** One line for the test output (and RELIABILITY.md). */
export function reportCounts(what: string, counts: FaultCounts, extra = ''): void {
  process.stdout.write(
    `      [fault] ${what}: succeeded ${counts.succeeded}, failed cleanly ${counts.failedCleanly}` +
      `${Object.keys(counts.failures).length ? ` (${JSON.stringify(counts.failures)})` : ''}, hung ${counts.hung}, lost ${counts.lost}${extra ? `; ${extra}` : ''}\n`,
  );
}

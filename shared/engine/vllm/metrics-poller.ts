// Polls vLLM's /metrics and keeps the latest EngineLoad. A failed poll keeps the last good
// snapshot (reported through onError) rather than pretending the engine went idle.
import type { EngineLoad } from '../types.js';
import { parsePrometheusText } from '../../prometheus/index.js';
import { EMPTY_ENGINE_LOAD, engineLoadFromMetrics } from './vllm-load.js';

export interface MetricsPollerOptions {
  readonly url: string;
  /** ms between polls. */
  readonly periodMs: number;
  readonly onError: (error: Error) => void;
}

export class MetricsPoller {
  load: EngineLoad = EMPTY_ENGINE_LOAD;
  /** Date.now() of the last successful poll; 0 before the first. */
  lastSuccessAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: MetricsPollerOptions) {}

  /** One poll now, then one every periodMs. */
  async start(): Promise<void> {
    await this.pollOnce();
    this.schedule();
  }

  async pollOnce(): Promise<void> {
    try {
      const response = await fetch(this.options.url, { signal: AbortSignal.timeout(Math.max(1000, this.options.periodMs * 2)) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${this.options.url} answered ${response.status}`);
      this.load = engineLoadFromMetrics(parsePrometheusText(text), this.load);
      this.lastSuccessAt = Date.now();
    } catch (error) {
      this.options.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.pollOnce().then(() => this.schedule());
    }, this.options.periodMs);
    this.timer.unref();
  }
}

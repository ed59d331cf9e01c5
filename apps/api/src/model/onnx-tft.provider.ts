import type { Attributions } from '@tft/forecasting';
import type { TftRunner } from '@tft/tft-runner';
import type { ForecastRequest, ForecastResult, ModelProvider } from './model-provider';

/** The TFT through onnxruntime-node: all requests in as few batched calls as the profile allows. */
export class OnnxTftProvider implements ModelProvider {
  readonly kind = 'TFT' as const;
  /** Calls under way: a model swapped out is closed only once they end. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly runner: TftRunner) {}

  async forecast(requests: readonly ForecastRequest[]): Promise<ForecastResult[]> {
    const forecasts = await this.track(this.runner.forecast(requests.map(({ series, profileIndex }) => ({ series, profileIndex }))));
    return forecasts.map(({ quantiles, drivers }) => ({ quantiles, drivers }));
  }

  async attribute({ series, profileIndex }: ForecastRequest): Promise<Attributions> {
    return (await this.track(this.runner.attribute({ series, profileIndex }))).attributions;
  }

  /** Frees the session once the calls under way have ended. */
  async close(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
    return this.runner.release();
  }

  private track<T>(call: Promise<T>): Promise<T> {
    this.running.add(call);
    const done = () => this.running.delete(call);
    call.then(done, done);
    return call;
  }
}

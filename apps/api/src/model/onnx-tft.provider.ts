import type { Attributions } from '@tft/forecasting';
import type { TftRunner } from '@tft/tft-runner';
import type { ForecastRequest, ForecastResult, ModelProvider } from './model-provider';

/** The TFT through onnxruntime-node: all requests in as few batched calls as the profile allows. */
export class OnnxTftProvider implements ModelProvider {
  readonly kind = 'TFT' as const;

  constructor(private readonly runner: TftRunner) {}

  async forecast(requests: readonly ForecastRequest[]): Promise<ForecastResult[]> {
    const forecasts = await this.runner.forecast(requests.map(({ series, profileIndex }) => ({ series, profileIndex })));
    return forecasts.map(({ quantiles, drivers }) => ({ quantiles, drivers }));
  }

  async attribute({ series, profileIndex }: ForecastRequest): Promise<Attributions> {
    return (await this.runner.attribute({ series, profileIndex })).attributions;
  }

  close(): Promise<void> {
    return this.runner.release();
  }
}

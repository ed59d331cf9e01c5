import { heuristicForecast } from '@tft/forecasting';
import type { ForecastRequest, ForecastResult, ModelProvider } from './model-provider';

/** Trend-based forecast for servers the TFT cannot serve yet (too little history) or at all (no model). */
export class HeuristicProvider implements ModelProvider {
  readonly kind = 'heuristic' as const;

  constructor(private readonly horizon: number) {}

  async forecast(requests: readonly ForecastRequest[]): Promise<ForecastResult[]> {
    return requests.map(({ series }) => ({
      quantiles: heuristicForecast(series, this.horizon),
      drivers: null,
    }));
  }
}

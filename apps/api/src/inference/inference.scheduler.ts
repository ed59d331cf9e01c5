import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { WindowService } from '../window/window.service';
import { InferenceService } from './inference.service';

const PRUNE_EVERY_MS = 60_000;

/** Named jobs: `forecast-pass` every FORECAST_INTERVAL_S, `window-prune` (old buckets, retired servers) every minute. */
@Injectable()
export class InferenceScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly registry: SchedulerRegistry,
    private readonly inference: InferenceService,
    private readonly windows: WindowService,
  ) {}

  onApplicationBootstrap(): void {
    // Forecast restored windows right away, so a restart serves TFT forecasts without new data.
    void this.inference.pass();
    // A tick longer than the interval makes the next one skip rather than queue up.
    this.registry.addInterval(
      'forecast-pass',
      setInterval(() => {
        if (!this.inference.busy) void this.inference.pass();
      }, this.config.forecastIntervalSeconds * 1000),
    );
    this.registry.addInterval(
      'window-prune',
      setInterval(() => {
        try {
          this.windows.prune();
          this.windows.retireIdle(); // the passes hear of the retired servers ('window.retired')
        } catch (err) {
          this.logger.warn(`pruning old buckets failed: ${(err as Error).message}`);
        }
      }, PRUNE_EVERY_MS),
    );
  }

  onApplicationShutdown(): void {
    for (const name of ['forecast-pass', 'window-prune']) {
      if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
    }
  }
}

import { Injectable } from '@nestjs/common';
import { ApiEvents } from './api-events';
import type { PassStats } from './forecast-snapshot';

/** The newest snapshot's pass figures: what /status, /metrics and POST /feed/data report of the passes. */
@Injectable()
export class LatestPass {
  stats: PassStats = { count: 0, lastMs: 0, newestForecastAt: null, lastCollectionMs: null };

  constructor(events: ApiEvents) {
    events.on('forecast.snapshot', (snapshot) => (this.stats = snapshot.pass));
  }
}

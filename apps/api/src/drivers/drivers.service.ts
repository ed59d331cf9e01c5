import { Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { ATTRIBUTION_METHOD, isoSeconds, round3, type Attributions } from '@tft/forecasting';
import { OWNER_READS, type OwnerReads } from '../common/owner-reads';
import { OWNERSHIP, type Ownership } from '../common/ownership';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import { ForecastStore } from '../read-model/forecast-store';
import { ApiEvents } from '../snapshot/api-events';
import { WindowService } from '../window/window.service';
import type { MetricAttributionsDto, ServerDriversDto } from './dto/server-drivers.dto';

const rounded = (a: Attributions): MetricAttributionsDto =>
  Object.fromEntries(
    Object.entries(a).map(([metric, rows]) => [metric, rows.map((r) => ({ ...r, change: round3(r.change), share: round3(r.share) }))]),
  ) as unknown as MetricAttributionsDto;

/**
 * What drives each server's current forecast, by ablation (ATTRIBUTION_METHOD): computed on the first
 * request after a forecast, from the closed steps the TFT forecast from, and kept until the server's
 * next forecast.
 */
@Injectable()
export class DriversService {
  private readonly cache = new Map<string, Promise<ServerDriversDto>>();

  constructor(
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    @Inject(OWNERSHIP) private readonly ownership: Ownership,
    private readonly windows: WindowService,
    private readonly store: ForecastStore,
    events: ApiEvents,
    @Optional() @Inject(OWNER_READS) private readonly cluster?: OwnerReads,
  ) {
    events.on('forecast.snapshot', (snapshot) => {
      for (const f of snapshot.forecasts) this.cache.delete(f.server);
      for (const server of snapshot.removed) this.cache.delete(server);
    });
    cluster?.answer('drivers', async (name) =>
      this.store.forecast(name) && this.windows.get(name) ? Buffer.from(JSON.stringify(await this.local(name))) : null,
    );
  }

  /** GET /servers/{name}/drivers; in cluster mode a server another replica owns is answered by that owner, which holds its history. */
  async of(name: string): Promise<ServerDriversDto> {
    if (!this.store.forecast(name)) throw noForecast(name);
    if (this.windows.get(name) && this.ownership.forecasts(name)) return this.local(name);
    const remote = await this.cluster?.fromOwner('drivers', name);
    if (remote) return JSON.parse(remote.toString('utf8')) as ServerDriversDto;
    throw noForecast(name);
  }

  /** The drivers of a server this replica forecasts. */
  private local(name: string): Promise<ServerDriversDto> {
    const forecast = this.store.forecast(name);
    const entry = this.windows.get(name);
    if (!forecast || !entry) throw noForecast(name);
    const head = {
      server_name: name,
      model: forecast.model,
      model_version: forecast.model === 'TFT' ? this.runtime.modelVersion : null,
      forecast_origin: isoSeconds(forecast.origin),
      method: ATTRIBUTION_METHOD,
    };
    const tft = this.runtime.tft;
    if (forecast.model === 'heuristic' || !tft?.attribute)
      return Promise.resolve({
        ...head,
        metrics: null,
        reason:
          'The heuristic forecast extends the recent trend: it has no inputs to attribute. Drivers appear once the TFT serves this server.',
      });
    const cached = this.cache.get(name);
    if (cached) return cached;
    const series = entry.window.series(false);
    if (!series) throw new NotFoundException(`${name} has no closed step to attribute`);
    const request = { server: name, series, profileIndex: this.runtime.profileIndex(name, entry.profile) };
    const body = tft.attribute(request).then((a) => ({
      ...head,
      forecast_origin: isoSeconds(series.t0 + (series.length - 1) * series.stepSeconds),
      metrics: rounded(a),
      reason: null,
    }));
    this.cache.set(name, body);
    body.catch(() => this.cache.delete(name));
    return body;
  }
}

const noForecast = (name: string) => new NotFoundException(`${name} has no forecast: no data received, stale, or before its first pass`);

import { Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { METRICS } from '@tft/contracts';
import { isoSeconds, type StepSeries, round3 } from '@tft/forecasting';
import { CachedBody } from '../common/cached-body';
import { OWNERSHIP, type Ownership } from '../common/ownership';
import { OWNER_READS, type OwnerReads } from '../common/owner-reads';
import { ReadBodies } from '../bodies/read-bodies';
import { ForecastStore } from '../read-model/forecast-store';
import { TrackRecordService } from '../track-record/track-record.service';
import { WarmupService } from '../warmup/warmup.service';
import { WindowService } from '../window/window.service';
import type { HistoryPointDto, ServerDetailDto, ServerSummaryDto } from './dto/server-detail.dto';

function point(series: StepSeries, i: number): HistoryPointDto {
  const value = (m: number) => (series.mask[i * 4 + m] ? round3(series.values[i * 4 + m]) : null);
  const [cpu_percent, memory_percent, disk_percent, load_average] = METRICS.map((_, m) => value(m));
  return {
    timestamp: isoSeconds(series.t0 + i * series.stepSeconds),
    cpu_percent,
    memory_percent,
    disk_percent,
    load_average,
    samples: series.samples[i],
  };
}

/** The servers the api knows, and one server's history, warmup, forecast and alerts. */
@Injectable()
export class ServersService {
  constructor(
    private readonly windows: WindowService,
    private readonly warmup: WarmupService,
    private readonly store: ForecastStore,
    private readonly bodies: ReadBodies,
    private readonly record: TrackRecordService,
    @Inject(OWNERSHIP) private readonly ownership: Ownership,
    @Optional() @Inject(OWNER_READS) private readonly cluster?: OwnerReads,
  ) {
    cluster?.answer('detail', (name) => (this.windows.get(name) ? this.localDetail(name) : null));
  }

  /** Servers with a window here or a forecast (in cluster mode, those of every replica), by name. */
  list(): ServerSummaryDto[] {
    const known = new Map<string, string | null>();
    for (const { name, profile } of this.store.servers()) known.set(name, profile);
    for (const e of this.windows.all()) known.set(e.name, e.profile);
    return [...known]
      .map(([server_name, profile]) => ({ server_name, profile }))
      .sort((a, b) => a.server_name.localeCompare(b.server_name));
  }

  /**
   * The ServerDetailDto as JSON; in cluster mode a server another replica owns is answered by that
   * owner, which holds its history. 404 for a server no data was ever received for.
   */
  async detail(name: string): Promise<Buffer> {
    // a window of a partition still being replayed (or just given away) is not the whole story
    if (this.windows.get(name) && this.ownership.forecasts(name)) return this.localDetail(name);
    const remote = await this.cluster?.fromOwner('detail', name);
    if (remote) return remote;
    throw unknownServer(name);
  }

  /** The detail of a server with a window here, the forecast spliced in from its stored bytes rather than parsed and serialised again. */
  private localDetail(name: string): Buffer {
    const entry = this.windows.get(name);
    if (!entry) throw unknownServer(name);
    const all = entry.window.series(true);
    const history: HistoryPointDto[] = [];
    let open: HistoryPointDto | null = null;
    if (all) {
      const openStart = entry.window.newest;
      for (let i = 0; i < all.length; i++) {
        const p = point(all, i);
        if (all.t0 + i * all.stepSeconds === openStart) open = p;
        else history.push(p);
      }
    }
    const { is_warmed_up, steps, threshold, progress_percent } = this.warmup.of(entry.window);
    const rest: Omit<ServerDetailDto, 'forecast'> = {
      server_name: entry.name,
      profile: entry.profile,
      step_seconds: this.windows.stepSeconds,
      warmup: { is_warmed_up, steps, threshold, progress_percent },
      history,
      open_step: open,
      alerts: this.store.alertsOf(entry.name),
      track_record: this.record.serverRecord(entry.name),
    };
    const head = JSON.stringify(rest);
    const forecast = this.bodies.forecastJson(entry.name) ?? Buffer.from('null');
    return Buffer.concat([Buffer.from(`${head.slice(0, -1)},"forecast":`), forecast, Buffer.from('}')]);
  }

  /** One server's forecast body; 404 for an unknown server or one not forecast yet. */
  forecast(name: string): CachedBody {
    const body = this.bodies.serverBody(name);
    if (body) return body;
    if (!this.windows.get(name)) throw unknownServer(name);
    throw new NotFoundException(`server "${name.slice(0, 128)}" has no forecast yet: it is stale or the first pass has not run`);
  }
}

const unknownServer = (name: string) => new NotFoundException(`unknown server "${name.slice(0, 128)}": no data received for it`);

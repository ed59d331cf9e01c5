import { Injectable, NotFoundException } from '@nestjs/common';
import { METRICS } from '@tft/contracts';
import { isoSeconds, type StepSeries, round3 } from '@tft/forecasting';
import { AlertsService } from '../alerts/alerts.service';
import { InferenceService } from '../inference/inference.service';
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
    private readonly inference: InferenceService,
    private readonly alerts: AlertsService,
  ) {}

  list(): ServerSummaryDto[] {
    return [...this.windows.all()]
      .map((e) => ({ server_name: e.name, profile: e.profile }))
      .sort((a, b) => a.server_name.localeCompare(b.server_name));
  }

  /** 404 for a server no data was ever received for. */
  detail(name: string): ServerDetailDto {
    const entry = this.windows.get(name);
    if (!entry) throw new NotFoundException(`unknown server "${name.slice(0, 128)}": no data received for it`);
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
    return {
      server_name: entry.name,
      profile: entry.profile,
      step_seconds: this.windows.stepSeconds,
      warmup: { is_warmed_up, steps, threshold, progress_percent },
      history,
      open_step: open,
      forecast: this.inference.forecastOf(entry.name),
      alerts: this.alerts.forServer(entry.name),
    };
  }
}

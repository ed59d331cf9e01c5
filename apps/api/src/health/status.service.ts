import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import { ServerLimits } from '../ingest/server-limits';
import { ForecastStore } from '../read-model/forecast-store';
import { LatestPass } from '../snapshot/latest-pass';
import { WarmupService } from '../warmup/warmup.service';
import { WindowService } from '../window/window.service';
import type { HealthDto, MemoryStatusDto, ServerStatusDto, StatusDto } from './dto/status.dto';
import { CLUSTER_STATUS, type ClusterStatusSource } from './cluster-status';
import { PROCESS_PROBE, type ProcessProbe } from './process-probe';

/** What GET /health and GET /status report: liveness, warmup, fleet readiness, clocks, inference, memory. */
@Injectable()
export class StatusService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROCESS_PROBE) private readonly process: ProcessProbe,
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    private readonly passes: LatestPass,
    private readonly windows: WindowService,
    private readonly warmup: WarmupService,
    private readonly store: ForecastStore,
    private readonly limits: ServerLimits,
    @Optional() @Inject(CLUSTER_STATUS) private readonly cluster?: ClusterStatusSource,
  ) {}

  health(): HealthDto {
    const rt = this.runtime;
    return {
      status: rt.tft ? 'healthy' : 'degraded',
      service: 'tft_inference_daemon',
      running: true,
      details: {
        model: rt.tft ? 'TFT' : 'heuristic',
        model_error: rt.loadError,
        model_version: rt.modelVersion,
        device: rt.device.device,
      },
    };
  }

  status(): StatusDto {
    const rt = this.runtime;
    const alerting = new Set<string>();
    for (const { name } of this.store.servers()) if (this.store.alertsOf(name).length) alerting.add(name);
    const servers: ServerStatusDto[] = [...this.windows.all()].map((e) => {
      const w = this.warmup.of(e.window);
      return {
        server_name: e.name,
        buckets: e.window.bucketCount(),
        warmup_steps: w.steps,
        is_warmed_up: w.is_warmed_up,
        progress_percent: w.progress_percent,
        model: this.store.modelOf(e.name),
        stale: this.windows.isStale(e),
        last_sample_at: Number.isFinite(e.lastSample) ? isoSeconds(e.lastSample) : null,
        ...(this.cluster ? { owner: this.cluster.replicaId } : {}),
      };
    });
    if (this.cluster) {
      for (const { owner, ...row } of this.cluster.remoteServers()) servers.push({ ...row, stale: false, owner });
      servers.sort((a, b) => a.server_name.localeCompare(b.server_name));
    }
    const reporting = servers.filter((s) => !s.stale);
    const warm = reporting.filter((s) => s.is_warmed_up).length;
    const total = reporting.length;
    const dataTime = this.windows.dataTime();
    const wall = Math.floor(this.clock.now() / 1000);
    return {
      running: true,
      tick_count: this.passes.stats.count,
      window_size: this.windows.bucketCount(),
      clock: {
        data_time: dataTime === null ? null : isoSeconds(dataTime),
        wall_time: isoSeconds(wall),
        lag_seconds: dataTime === null ? null : Math.round(wall - dataTime),
      },
      warmup: {
        is_warmed_up: total > 0 && warm === total,
        progress_percent: total ? Math.round(reporting.reduce((a, s) => a + s.progress_percent, 0) / total) : 0,
        threshold: this.warmup.threshold,
        message: this.warmup.message(warm, total),
      },
      fleet: {
        total_servers: total,
        healthy_servers: reporting.filter((s) => !alerting.has(s.server_name)).length,
        stale_servers: servers.length - total,
        fleet_status: `${warm}/${total} servers ready`,
      },
      limits: this.limits.status(),
      inference: {
        model_type: rt.tft ? 'TFT' : 'heuristic',
        model_dir: rt.modelDir,
        model_version: rt.modelVersion,
        model_error: rt.loadError,
        device: rt.device.device,
        profile: rt.device.profile,
        batch_size: rt.device.batchSize,
        threads: rt.device.threads,
        gpu: rt.device.gpu,
        fallback_reason: rt.device.fallbackReason,
        step_seconds: rt.grid.stepSeconds,
        forecast_interval_seconds: this.config.forecastIntervalSeconds,
        last_tick_ms: Math.round(this.passes.stats.lastMs * 10) / 10,
      },
      memory: {
        ...memoryStatus(this.process.memoryUsage()),
        last_collection_ms: roundMs(this.passes.stats.lastCollectionMs),
      },
      servers,
      cluster: this.cluster?.status() ?? null,
    };
  }
}

const mb = (bytes: number) => Math.round((bytes / 1024 ** 2) * 10) / 10;

const roundMs = (ms: number | null) => (ms === null ? null : Math.round(ms * 10) / 10);

function memoryStatus(m: NodeJS.MemoryUsage): Omit<MemoryStatusDto, 'last_collection_ms'> {
  return {
    rss_mb: mb(m.rss),
    heap_used_mb: mb(m.heapUsed),
    heap_total_mb: mb(m.heapTotal),
    array_buffers_mb: mb(m.arrayBuffers),
    external_mb: mb(m.external),
  };
}

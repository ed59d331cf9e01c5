import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertDeliveryModule } from './alert-delivery/alert-delivery.module';
import { AlertsApiModule } from './alerts-api/alerts-api.module';
import { ArchiveModule } from './archive/archive.module';
import { TrackRecordModule } from './track-record/track-record.module';
import { AuthModule } from './auth/auth.module';
import { EventsModule } from './events/events.module';
import { FleetModule } from './fleet/fleet.module';
import { API_CONFIG, type ApiConfig } from './config/api-config';
import { HealthModule } from './health/health.module';
import { CLOCK, systemClock, type Clock } from '@tft/contracts';
import { InferenceModule } from './inference/inference.module';
import { createModelRuntime } from './model/model-runtime.factory';
import { MODEL_RUNTIME, type ModelRuntime } from './model/model-provider';
import { IngestModule } from './ingest/ingest.module';
import { METRICS_REGISTRY, metricsRegistryProvider } from './metrics/metrics-registry';
import { MetricsModule } from './metrics/metrics.module';
import { STEP_GRID } from './step-grid';
import { FORECAST_CENSUS } from './ingest/forecast-census';
import { HOST_SERIES_STORE } from './remote-write/host-series-store';
import { PrometheusModule } from './prometheus/prometheus.module';
import { ForecastStore } from './read-model/forecast-store';
import { ReadModelModule } from './read-model/read-model.module';
import { SnapshotModule } from './snapshot/snapshot.module';
import { OtlpModule } from './otlp/otlp.module';
import { RemoteWriteModule } from './remote-write/remote-write.module';
import { PredictionsModule } from './predictions/predictions.module';
import { ServersModule } from './servers/servers.module';
import { DriversModule } from './drivers/drivers.module';
import { ModelReloadModule } from './model-reload/model-reload.module';
import { ClusterModule } from './cluster/cluster.module';
import { LogIngest } from './cluster/log-ingest';
import { PartitionOwnership } from './cluster/partition-ownership';
import { EVERY_SERVER, OWNERSHIP, type Ownership } from './common/ownership';
import { SAMPLE_SINK } from './window/sample-sink';
import { WindowModule } from './window/window.module';
import { WindowService } from './window/window.service';
import { IN_MEMORY } from './common/sqlite-file';
import { SqliteWindowStore, WINDOW_STORE, type WindowStore } from './window/window.store';

/** Side effects tests may replace: the clock, the model runtime, the store, which servers a single process forecasts. */
export interface ApiDeps {
  clock?: Clock;
  runtime?: ModelRuntime;
  store?: (runtime: ModelRuntime) => WindowStore;
  ownership?: Ownership;
}

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig, deps: ApiDeps = {}): DynamicModule {
    const cluster = config.natsUrl !== undefined;
    const ownership = cluster ? new PartitionOwnership(config.partitions) : (deps.ownership ?? EVERY_SERVER);
    return {
      module: AppModule,
      global: true,
      imports: [
        ScheduleModule.forRoot(),
        AuthModule.forRoot(config),
        SnapshotModule,
        MetricsModule,
        PrometheusModule,
        ReadModelModule,
        IngestModule,
        RemoteWriteModule,
        OtlpModule,
        InferenceModule,
        PredictionsModule,
        FleetModule,
        EventsModule,
        ServersModule,
        DriversModule,
        ModelReloadModule,
        HealthModule,
        AlertDeliveryModule,
        AlertsApiModule,
        WindowModule,
        ArchiveModule,
        TrackRecordModule,
        ...(cluster ? [ClusterModule.forRoot()] : []),
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: CLOCK, useValue: deps.clock ?? systemClock },
        metricsRegistryProvider,
        {
          provide: MODEL_RUNTIME,
          useFactory: () => deps.runtime ?? createModelRuntime(config),
        },
        { provide: STEP_GRID, inject: [MODEL_RUNTIME], useFactory: (runtime: ModelRuntime) => runtime.grid },
        {
          provide: WINDOW_STORE,
          inject: [MODEL_RUNTIME],
          useFactory: (runtime: ModelRuntime) =>
            deps.store?.(runtime) ??
            // in cluster mode the metrics log is the durable copy: a replica replays what it owns
            new SqliteWindowStore(cluster ? IN_MEMORY : config.dataDir, runtime.grid.stepSeconds, config.sqliteSynchronous),
        },
        { provide: OWNERSHIP, useValue: ownership },
        { provide: PartitionOwnership, useValue: ownership },
        { provide: SAMPLE_SINK, useExisting: cluster ? LogIngest : WindowService },
        // ports: what a lower module needs of a higher one, wired here so neither imports the other
        { provide: FORECAST_CENSUS, useExisting: ForecastStore },
        { provide: HOST_SERIES_STORE, useExisting: WindowService },
      ],
      exports: [
        API_CONFIG,
        CLOCK,
        MODEL_RUNTIME,
        STEP_GRID,
        FORECAST_CENSUS,
        HOST_SERIES_STORE,
        WINDOW_STORE,
        METRICS_REGISTRY,
        OWNERSHIP,
        PartitionOwnership,
        SAMPLE_SINK,
      ],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertDeliveryModule } from './alert-delivery/alert-delivery.module';
import { AuthModule } from './auth/auth.module';
import { EventsModule } from './events/events.module';
import { FleetModule } from './fleet/fleet.module';
import { API_CONFIG, type ApiConfig } from './config/api-config';
import { HealthModule } from './health/health.module';
import { CLOCK, systemClock, type Clock } from '@tft/contracts';
import { InferenceModule } from './inference/inference.module';
import { createModelRuntime } from './inference/model-runtime.factory';
import { MODEL_RUNTIME, type ModelRuntime } from './inference/providers/model-provider';
import { IngestModule } from './ingest/ingest.module';
import { METRICS_REGISTRY, metricsRegistryProvider } from './metrics/metrics-registry';
import { MetricsModule } from './metrics/metrics.module';
import { RemoteWriteModule } from './remote-write/remote-write.module';
import { PredictionsModule } from './predictions/predictions.module';
import { ServersModule } from './servers/servers.module';
import { SqliteWindowStore, WINDOW_STORE, type WindowStore } from './window/window.store';

/** Side effects tests may replace: the clock, the model runtime, the store. */
export interface ApiDeps {
  clock?: Clock;
  runtime?: ModelRuntime;
  store?: (runtime: ModelRuntime) => WindowStore;
}

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig, deps: ApiDeps = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ScheduleModule.forRoot(),
        AuthModule.forRoot(config),
        MetricsModule,
        IngestModule,
        RemoteWriteModule,
        InferenceModule,
        PredictionsModule,
        FleetModule,
        EventsModule,
        ServersModule,
        HealthModule,
        AlertDeliveryModule,
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: CLOCK, useValue: deps.clock ?? systemClock },
        metricsRegistryProvider,
        {
          provide: MODEL_RUNTIME,
          useFactory: () => deps.runtime ?? createModelRuntime(config),
        },
        {
          provide: WINDOW_STORE,
          inject: [MODEL_RUNTIME],
          useFactory: (runtime: ModelRuntime) =>
            deps.store?.(runtime) ?? new SqliteWindowStore(config.dataDir, runtime.grid.stepSeconds, config.sqliteSynchronous),
        },
      ],
      exports: [API_CONFIG, CLOCK, MODEL_RUNTIME, WINDOW_STORE, METRICS_REGISTRY],
    };
  }
}

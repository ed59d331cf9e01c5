import { RemoteWriteModule } from '../remote-write/remote-write.module';
import { AlertDeliveryModule } from '../alert-delivery/alert-delivery.module';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { InferenceModule } from '../inference/inference.module';
import { AlertsModule } from '../alerts/alerts.module';
import { ReadModelModule } from '../read-model/read-model.module';
import { WarmupModule } from '../warmup/warmup.module';
import { WindowModule } from '../window/window.module';
import { ClusterConnection } from './cluster-connection';
import { ClusterService, LEASES_BUCKET, LEASES_KV } from './cluster.service';
import { FORECASTS_BUCKET, FORECASTS_KV, ForecastExchange } from './forecast-exchange';
import { TRACK_RECORD_BUCKET, TRACK_RECORD_KV, TRACK_RECORD_TTL_MS, TrackRecordExchange } from './track-record-exchange';
import { TrackRecordModule } from '../track-record/track-record.module';
import { LogIngest } from './log-ingest';
import { MetricsLog } from './metrics-log';
import { ModelReloadRelay } from './model-reload-relay';
import { ModelReloadModule } from '../model-reload/model-reload.module';
import { CLUSTER_STATUS } from '../health/cluster-status';
import { HOST_SERIES_LOG } from '../remote-write/host-series-log';
import { OWNER_READS } from '../common/owner-reads';

/** Cluster mode's services; AppModule imports it only when NATS_URL is set. */
@Global()
@Module({})
export class ClusterModule {
  static forRoot(): DynamicModule {
    return {
      module: ClusterModule,
      imports: [
        WindowModule,
        WarmupModule,
        AlertsModule,
        AlertDeliveryModule,
        InferenceModule,
        ReadModelModule,
        RemoteWriteModule,
        ModelReloadModule,
        TrackRecordModule,
      ],
      providers: [
        {
          provide: ClusterConnection,
          inject: [API_CONFIG],
          useFactory: (config: ApiConfig) => ClusterConnection.open(config.natsUrl as string, config.replicaId),
        },
        { provide: MetricsLog, inject: [ClusterConnection], useFactory: (c: ClusterConnection) => MetricsLog.open(c.nc) },
        {
          provide: LEASES_KV,
          inject: [ClusterConnection],
          useFactory: (c: ClusterConnection) => new Kvm(c.control).create(LEASES_BUCKET, { history: 1 }),
        },
        {
          provide: FORECASTS_KV,
          inject: [ClusterConnection],
          useFactory: (c: ClusterConnection) => new Kvm(c.nc).create(FORECASTS_BUCKET, { history: 1 }),
        },
        {
          provide: TRACK_RECORD_KV,
          inject: [ClusterConnection],
          useFactory: (c: ClusterConnection) => new Kvm(c.nc).create(TRACK_RECORD_BUCKET, { history: 1, ttl: TRACK_RECORD_TTL_MS }),
        },
        TrackRecordExchange,
        ForecastExchange,
        ClusterService,
        LogIngest,
        ModelReloadRelay,
        { provide: CLUSTER_STATUS, useExisting: ClusterService },
        { provide: OWNER_READS, useExisting: ClusterService },
        { provide: HOST_SERIES_LOG, useExisting: LogIngest },
      ],
      exports: [ClusterService, LogIngest, CLUSTER_STATUS, OWNER_READS, HOST_SERIES_LOG],
    };
  }
}

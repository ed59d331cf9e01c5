import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { WindowModule } from '../window/window.module';
import { RemoteWriteController } from './remote-write.controller';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { HOST_SERIES_STORE, type HostSeriesStore } from './host-series-store';
import { NodeExporterMapping } from './node-exporter-mapping';
import { RemoteWriteService } from './remote-write.service';
import { HostSeriesIngest } from './host-series-ingest';

@Module({
  imports: [WindowModule, IngestModule],
  controllers: [RemoteWriteController],
  providers: [
    RemoteWriteService,
    HostSeriesIngest,
    {
      provide: NodeExporterMapping,
      inject: [API_CONFIG, HOST_SERIES_STORE],
      useFactory: (config: ApiConfig, store: HostSeriesStore) =>
        new NodeExporterMapping({
          serverLabel: config.remoteWriteServerLabel,
          mountpoint: config.remoteWriteMountpoint,
          storedSeries: (server) => store.takeStoredSeries(server),
        }),
    },
  ],
  exports: [HostSeriesIngest],
})
export class RemoteWriteModule {}

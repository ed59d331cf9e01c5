import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { STEP_GRID, type StepGrid } from '../step-grid';
import { WindowModule } from '../window/window.module';
import { TrackRecordController } from './track-record.controller';
import { TrackRecordService } from './track-record.service';
import { SqliteTrackRecordStore, TRACK_RECORD_STORE, trackRecordFileName } from './track-record.store';

/** The live track record: GET /accuracy, and what GET /servers/{name} and GET /metrics show of it. */
@Module({
  imports: [WindowModule, AlertsModule],
  controllers: [TrackRecordController],
  providers: [
    TrackRecordService,
    {
      provide: TRACK_RECORD_STORE,
      inject: [API_CONFIG, STEP_GRID],
      useFactory: (config: ApiConfig, grid: StepGrid) =>
        // in cluster mode each replica scores the servers it owns, in a file of its own
        new SqliteTrackRecordStore(
          config.dataDir,
          trackRecordFileName(config.natsUrl === undefined ? null : config.replicaId),
          grid.stepSeconds,
        ),
    },
  ],
  exports: [TrackRecordService],
})
export class TrackRecordModule {}

import { Module } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { STEP_GRID, type StepGrid } from '../step-grid';
import { WindowModule } from '../window/window.module';
import { ArchiveController } from './archive.controller';
import { ArchiveScheduler } from './archive.scheduler';
import { ArchiveService } from './archive.service';
import { ARCHIVE_STORE, archiveFileName, SqliteArchive } from './archive.store';

@Module({
  imports: [WindowModule],
  controllers: [ArchiveController],
  providers: [
    ArchiveService,
    ArchiveScheduler,
    {
      provide: ARCHIVE_STORE,
      inject: [API_CONFIG, STEP_GRID],
      useFactory: (config: ApiConfig, grid: StepGrid) =>
        config.archiveRetentionSeconds > 0
          ? // in cluster mode each replica archives the partitions it owns, in a file of its own
            new SqliteArchive(config.dataDir, archiveFileName(config.natsUrl === undefined ? null : config.replicaId), grid.stepSeconds)
          : null,
    },
  ],
})
export class ArchiveModule {}

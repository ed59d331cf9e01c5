import { Global, Module } from '@nestjs/common';
import { ApiEvents } from './api-events';
import { LatestPass } from './latest-pass';

/** The forecast snapshot's events and the newest pass figures, for every module. */
@Global()
@Module({
  providers: [ApiEvents, LatestPass],
  exports: [ApiEvents, LatestPass],
})
export class SnapshotModule {}

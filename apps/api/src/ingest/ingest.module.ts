import { Module } from '@nestjs/common';
import { WindowModule } from '../window/window.module';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { ServerLimits } from './server-limits';

@Module({
  imports: [WindowModule],
  controllers: [IngestController],
  providers: [IngestService, ServerLimits],
  exports: [ServerLimits],
})
export class IngestModule {}

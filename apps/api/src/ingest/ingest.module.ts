import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { WindowModule } from '../window/window.module';
import { IngestController } from './ingest.controller';
import { ReadModelModule } from '../read-model/read-model.module';
import { IngestService } from './ingest.service';
import { ServerLimits } from './server-limits';

@Module({
  imports: [WindowModule, InferenceModule, ReadModelModule],
  controllers: [IngestController],
  providers: [IngestService, ServerLimits],
  exports: [ServerLimits],
})
export class IngestModule {}

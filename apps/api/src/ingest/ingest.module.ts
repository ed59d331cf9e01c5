import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { WindowModule } from '../window/window.module';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';

@Module({
  imports: [WindowModule, InferenceModule],
  controllers: [IngestController],
  providers: [IngestService],
})
export class IngestModule {}

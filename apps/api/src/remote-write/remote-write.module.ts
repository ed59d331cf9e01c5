import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { WindowModule } from '../window/window.module';
import { RemoteWriteController } from './remote-write.controller';
import { RemoteWriteService } from './remote-write.service';

@Module({
  imports: [WindowModule, IngestModule],
  controllers: [RemoteWriteController],
  providers: [RemoteWriteService],
})
export class RemoteWriteModule {}

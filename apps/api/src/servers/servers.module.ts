import { Module } from '@nestjs/common';
import { BodiesModule } from '../bodies/bodies.module';
import { ReadModelModule } from '../read-model/read-model.module';
import { TrackRecordModule } from '../track-record/track-record.module';
import { WarmupModule } from '../warmup/warmup.module';
import { WindowModule } from '../window/window.module';
import { ServersController } from './servers.controller';
import { ServersService } from './servers.service';

@Module({
  imports: [WindowModule, WarmupModule, ReadModelModule, BodiesModule, TrackRecordModule],
  controllers: [ServersController],
  providers: [ServersService],
})
export class ServersModule {}

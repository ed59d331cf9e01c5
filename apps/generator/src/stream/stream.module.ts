import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module';
import { StreamController } from './stream.controller';
import { StreamScheduler } from './stream.scheduler';
import { StreamService } from './stream.service';

@Module({
  imports: [FleetModule],
  controllers: [StreamController],
  providers: [StreamService, StreamScheduler],
})
export class StreamModule {}

import { Module } from '@nestjs/common';
import { ReadModelModule } from '../read-model/read-model.module';
import { EventsController } from './events.controller';

@Module({
  imports: [ReadModelModule],
  controllers: [EventsController],
})
export class EventsModule {}

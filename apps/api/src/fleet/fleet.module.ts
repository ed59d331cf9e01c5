import { Module } from '@nestjs/common';
import { ReadModelModule } from '../read-model/read-model.module';
import { FleetController } from './fleet.controller';

@Module({
  imports: [ReadModelModule],
  controllers: [FleetController],
})
export class FleetModule {}

import { Module } from '@nestjs/common';
import { BodiesModule } from '../bodies/bodies.module';
import { FleetController } from './fleet.controller';

@Module({
  imports: [BodiesModule],
  controllers: [FleetController],
})
export class FleetModule {}

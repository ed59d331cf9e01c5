import { Module } from '@nestjs/common';
import { ReadModelModule } from '../read-model/read-model.module';
import { WindowModule } from '../window/window.module';
import { DriversController } from './drivers.controller';
import { DriversService } from './drivers.service';

@Module({
  imports: [WindowModule, ReadModelModule],
  controllers: [DriversController],
  providers: [DriversService],
})
export class DriversModule {}

import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { InferenceModule } from '../inference/inference.module';
import { WarmupModule } from '../warmup/warmup.module';
import { WindowModule } from '../window/window.module';
import { ServersController } from './servers.controller';
import { ServersService } from './servers.service';

@Module({
  imports: [WindowModule, WarmupModule, InferenceModule, AlertsModule],
  controllers: [ServersController],
  providers: [ServersService],
})
export class ServersModule {}

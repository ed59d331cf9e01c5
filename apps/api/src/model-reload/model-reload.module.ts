import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { ModelReloadController } from './model-reload.controller';
import { ModelReloadService } from './model-reload.service';

@Module({
  imports: [InferenceModule],
  controllers: [ModelReloadController],
  providers: [ModelReloadService],
  exports: [ModelReloadService],
})
export class ModelReloadModule {}

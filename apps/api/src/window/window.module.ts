import { Module } from '@nestjs/common';
import { WindowService } from './window.service';

@Module({
  providers: [WindowService],
  exports: [WindowService],
})
export class WindowModule {}

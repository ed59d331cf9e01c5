import { Module } from '@nestjs/common';
import { RemoteWriteModule } from '../remote-write/remote-write.module';
import { OtlpController } from './otlp.controller';
import { OtlpService } from './otlp.service';

/** OTLP/HTTP metrics in: OpenTelemetry's host metrics, stored through remote write's host series path. */
@Module({
  imports: [RemoteWriteModule],
  controllers: [OtlpController],
  providers: [OtlpService],
})
export class OtlpModule {}

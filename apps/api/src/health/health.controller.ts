import { Controller, Get } from '@nestjs/common';

/** Placeholder until the inference issue fills the api: only the seed's health check. */
@Controller('health')
export class HealthController {
  @Get()
  health(): { status: string; service: string; running: boolean } {
    return {
      status: 'healthy',
      service: 'tft_inference_daemon',
      running: true,
    };
  }
}

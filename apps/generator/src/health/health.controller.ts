import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';

class HealthDto {
  @ApiProperty({ example: 'healthy' })
  status!: string;
  @ApiProperty({ example: 'metrics_generator_daemon' })
  service!: string;
  @ApiProperty({ example: true })
  running!: boolean;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  @Get()
  @ApiOkResponse({ type: HealthDto })
  health(): HealthDto {
    return {
      status: 'healthy',
      service: 'metrics_generator_daemon',
      running: true,
    };
  }
}

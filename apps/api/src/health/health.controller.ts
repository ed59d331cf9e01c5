import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthDto, StatusDto } from './dto/status.dto';
import { StatusService } from './status.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly statusService: StatusService) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness, with whether a model is loaded' })
  @ApiOkResponse({ type: HealthDto })
  health(): HealthDto {
    return this.statusService.health();
  }

  @Get('status')
  @ApiOperation({
    summary: 'Warmup progress, fleet readiness, per-server counts and the inference profile',
  })
  @ApiOkResponse({ type: StatusDto })
  status(): StatusDto {
    return this.statusService.status();
  }
}

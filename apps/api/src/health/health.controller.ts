import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadRoute } from '../common/read-route.decorator';
import { HealthDto, StatusDto } from './dto/status.dto';
import { StatusService } from './status.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly statusService: StatusService) {}

  @ReadRoute('health', { summary: 'Liveness, with whether a model is loaded', type: HealthDto })
  health(): HealthDto {
    return this.statusService.health();
  }

  @ReadRoute('status', { summary: 'Warmup progress, fleet readiness, per-server counts and the inference profile', type: StatusDto })
  status(): StatusDto {
    return this.statusService.status();
  }
}

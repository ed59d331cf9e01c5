import { Controller, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadRoute } from '../common/read-route.decorator';
import { ServerDriversDto } from './dto/server-drivers.dto';
import { DriversService } from './drivers.service';

@ApiTags('servers')
@Controller('servers')
export class DriversController {
  constructor(private readonly drivers: DriversService) {}

  @ReadRoute(':server_name/drivers', {
    summary: "What drives a server's current forecast, per metric, by ablation of its inputs",
    description:
      'Each input group (each metric’s last hour, each metric’s values 24 h before the horizon, the calendar, the profile) is replaced by a neutral baseline and the forecast re-run in one batched model call; a group’s change is how far that moves the p50. Computed on the first request after a forecast and kept until the next.',
    type: ServerDriversDto,
    notFound: 'No forecast for this server (in cluster mode any replica answers: the owner is asked)',
  })
  forServer(@Param('server_name') name: string): Promise<ServerDriversDto> {
    return this.drivers.of(name);
  }
}

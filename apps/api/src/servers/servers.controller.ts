import { Controller, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadRoute } from '../common/read-route.decorator';
import { ServerDetailDto, ServerSummaryDto } from './dto/server-detail.dto';
import { ServersService } from './servers.service';

@ApiTags('servers')
@Controller('servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @ReadRoute('', { summary: 'Known servers', type: [ServerSummaryDto] })
  list(): ServerSummaryDto[] {
    return this.servers.list();
  }

  @ReadRoute(':server_name', {
    summary: "A server's history on the step grid, warmup state, latest forecast and alerts",
    type: ServerDetailDto,
    notFound: 'No data was ever received for this server',
  })
  detail(@Param('server_name') name: string): ServerDetailDto {
    return this.servers.detail(name);
  }
}

import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServerDetailDto, ServerSummaryDto } from './dto/server-detail.dto';
import { ServersService } from './servers.service';

@ApiTags('servers')
@Controller('servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @Get()
  @ApiOperation({ summary: 'Known servers' })
  @ApiOkResponse({ type: [ServerSummaryDto] })
  list(): ServerSummaryDto[] {
    return this.servers.list();
  }

  @Get(':server_name')
  @ApiOperation({
    summary: "A server's history on the step grid, warmup state, latest forecast and alerts",
  })
  @ApiOkResponse({ type: ServerDetailDto })
  @ApiNotFoundResponse({
    description: 'No data was ever received for this server',
  })
  detail(@Param('server_name') name: string): ServerDetailDto {
    return this.servers.detail(name);
  }
}

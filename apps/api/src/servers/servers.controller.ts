import { Controller, Param, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ServerPredictionDto } from '../predictions/dto/predictions.dto';
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
  async detail(@Param('server_name') name: string, @Res() res: Response): Promise<void> {
    res.type('application/json').send(await this.servers.detail(name));
  }

  @ReadRoute(':server_name/forecast', {
    summary: "One server's latest forecast, from its own stored bytes (cached)",
    description: 'The ServerPrediction of GET /predictions/current for this server alone; ETag / 304 until it changes.',
    type: ServerPredictionDto,
    cached: true,
    notFound: 'No data was ever received for this server, or it has no forecast (stale, or before the first pass)',
  })
  forecast(@Param('server_name') name: string, @Req() req: Request, @Res() res: Response): void {
    this.servers.forecast(name).send(req, res);
  }
}

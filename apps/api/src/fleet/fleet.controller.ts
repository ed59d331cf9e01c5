import { Controller, Query, Req, Res } from '@nestjs/common';
import { QUERY_PIPE } from '../common/query-params';
import type { Request, Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { ReadRoute } from '../common/read-route.decorator';
import { ReadBodies } from '../bodies/read-bodies';
import { FleetSummaryDto, FleetSummaryQueryDto } from './dto/fleet-summary.dto';

@ApiTags('fleet')
@Controller('fleet')
export class FleetController {
  constructor(private readonly bodies: ReadBodies) {}

  @ReadRoute('summary', {
    summary: 'Every server in one compact entry, sortable, filterable and paged, with the fleet counts and risk (cached)',
    description:
      'What a fleet view needs without the forecast curves: about 300 bytes a server. ETag / 304 and gzip as for ' +
      'GET /predictions/current; GET /events says when it changed.',
    type: FleetSummaryDto,
    cached: true,
    badRequest: 'An unknown query parameter, sort, profile, severity or model, a limit outside 1..10000, or a cursor of another sort',
  })
  summary(@Query(QUERY_PIPE) params: FleetSummaryQueryDto, @Req() req: Request, @Res() res: Response): void {
    this.bodies.summary(params.toQuery()).send(req, res);
  }
}

import { Controller, Query, Req, Res } from '@nestjs/common';
import { QUERY_PIPE } from '../common/query-params';
import type { Request, Response } from 'express';
import { ApiExtraModels, ApiTags } from '@nestjs/swagger';
import { ReadRoute } from '../common/read-route.decorator';
import { ReadBodies } from '../bodies/read-bodies';
import { PredictionsDto, ServerPredictionDto } from './dto/predictions.dto';
import { PredictionsQueryDto } from './dto/predictions-query.dto';

@ApiTags('predictions')
@ApiExtraModels(ServerPredictionDto)
@Controller()
export class PredictionsController {
  constructor(private readonly bodies: ReadBodies) {}

  @ReadRoute('predictions/current', {
    summary: 'Latest 8-hour forecasts for every server, with alerts, fleet risk and model info (cached)',
    description:
      'Built from the last forecast pass. Send Accept-Encoding: gzip for a body 2-3x smaller, and If-None-Match with the ' +
      'last ETag to get 304 until the next pass changes it. On a large fleet narrow it (servers, metrics) or page through ' +
      'it (limit, cursor); GET /fleet/summary is the compact listing and GET /servers/{name}/forecast one server.',
    type: PredictionsDto,
    cached: true,
    badRequest: 'An unknown query parameter or metric, a limit outside 1..10000, or a cursor this api did not return',
  })
  current(@Query(QUERY_PIPE) params: PredictionsQueryDto, @Req() req: Request, @Res() res: Response): void {
    this.bodies.predictions(params.toQuery()).send(req, res);
  }
}

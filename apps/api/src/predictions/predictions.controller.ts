import { Controller, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiExtraModels, ApiTags } from '@nestjs/swagger';
import { ReadRoute } from '../common/read-route.decorator';
import { InferenceService } from '../inference/inference.service';
import { PredictionsDto, ServerPredictionDto } from './dto/predictions.dto';

/** Served from the body the forecast pass pre-serialised: no inference per request. */
@ApiTags('predictions')
@ApiExtraModels(ServerPredictionDto)
@Controller()
export class PredictionsController {
  constructor(private readonly inference: InferenceService) {}

  @ReadRoute('predictions/current', {
    summary: 'Latest 8-hour forecasts for every server, with alerts, fleet risk and model info (cached)',
    description:
      'Served from the body the last forecast pass built. Send Accept-Encoding: gzip for a body 2-3x smaller, ' +
      'and If-None-Match with the last ETag to get 304 until the next pass changes it.',
    type: PredictionsDto,
    cached: true,
  })
  current(@Req() req: Request, @Res() res: Response): void {
    this.inference.predictionsBody.send(req, res);
  }
}

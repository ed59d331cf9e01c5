import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InferenceService } from '../inference/inference.service';
import { PredictionsDto, ServerPredictionDto } from './dto/predictions.dto';

/** Read endpoints serve the bodies the forecast tick pre-serialised: no inference per request. */
@ApiTags('predictions')
@ApiExtraModels(ServerPredictionDto)
@Controller()
export class PredictionsController {
  constructor(private readonly inference: InferenceService) {}

  @Get('predictions/current')
  @ApiOperation({
    summary: 'Latest 8-hour forecasts for every server, with alerts, fleet risk and model info (cached)',
    description:
      'Served from the body the last forecast tick built. Send Accept-Encoding: gzip for a body 2-3x smaller, ' +
      'and If-None-Match with the last ETag to get 304 until the next tick changes it.',
  })
  @ApiOkResponse({ type: PredictionsDto })
  @ApiResponse({
    status: 304,
    description: 'Unchanged since the ETag sent in If-None-Match',
  })
  current(@Req() req: Request, @Res() res: Response): void {
    this.inference.predictionsBody.send(req, res);
  }
}

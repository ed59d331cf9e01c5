import { Controller, Get, Header } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AlertsService } from '../alerts/alerts.service';
import { InferenceService } from '../inference/inference.service';
import { ActiveAlertsDto, AlertDto, PredictionsDto, ServerPredictionDto } from './dto/predictions.dto';

/** Read endpoints serve the bodies the forecast tick pre-serialised: no inference per request. */
@ApiTags('predictions')
@ApiExtraModels(ServerPredictionDto)
@Controller()
export class PredictionsController {
  constructor(
    private readonly inference: InferenceService,
    private readonly alerts: AlertsService,
  ) {}

  @Get('predictions/current')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: 'Latest 8-hour forecasts for every server, with alerts, fleet risk and model info (cached)' })
  @ApiOkResponse({ type: PredictionsDto })
  current(): string {
    return this.inference.predictionsBody;
  }

  @Get('alerts/active')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: 'Firing alerts from the latest forecasts (cached)' })
  @ApiOkResponse({ type: ActiveAlertsDto })
  active(): string {
    return this.inference.alertsBody;
  }

  @Get('alerts/resolved')
  @ApiOperation({ summary: 'Recently resolved alerts, newest first (up to 200)' })
  @ApiOkResponse({ type: [AlertDto] })
  resolved(): AlertDto[] {
    return this.alerts.recentlyResolved();
  }
}

import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AlertsService } from './alerts.service';
import { ActiveAlertsDto, AlertDto, ThresholdsDto } from './dto/alert.dto';

@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get('active')
  @ApiOperation({ summary: 'Firing alerts from the latest forecasts (cached)' })
  @ApiOkResponse({ type: ActiveAlertsDto })
  @ApiResponse({
    status: 304,
    description: 'Unchanged since the ETag sent in If-None-Match',
  })
  active(@Req() req: Request, @Res() res: Response): void {
    this.alerts.activeBody.send(req, res);
  }

  @Get('resolved')
  @ApiOperation({
    summary: 'Recently resolved alerts, newest first (up to 200)',
  })
  @ApiOkResponse({ type: [AlertDto] })
  resolved(): AlertDto[] {
    return this.alerts.recentlyResolved();
  }

  @Get('thresholds')
  @ApiOperation({
    summary: 'The alert thresholds in effect: defaults, per-profile overrides and ALERT_THRESHOLDS_FILE',
  })
  @ApiOkResponse({ type: ThresholdsDto })
  thresholds(): ThresholdsDto {
    return this.alerts.thresholdsInEffect();
  }
}

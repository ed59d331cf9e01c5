import { Controller, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ReadRoute } from '../common/read-route.decorator';
import { ReadBodies } from '../bodies/read-bodies';
import { ForecastStore } from '../read-model/forecast-store';
import { AlertsService } from '../alerts/alerts.service';
import { ActiveAlertsDto, AlertDto, ThresholdsDto } from '../alerts/dto/alert.dto';

@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly store: ForecastStore,
    private readonly bodies: ReadBodies,
  ) {}

  @ReadRoute('active', { summary: 'Firing alerts from the latest forecasts (cached)', type: ActiveAlertsDto, cached: true })
  active(@Req() req: Request, @Res() res: Response): void {
    this.bodies.activeAlertsBody().send(req, res);
  }

  @ReadRoute('resolved', { summary: 'Recently resolved alerts of the whole fleet, newest first (up to 200)', type: [AlertDto] })
  resolved(): AlertDto[] {
    return this.store.resolvedAlerts();
  }

  @ReadRoute('thresholds', {
    summary: 'The alert thresholds in effect: defaults, per-profile overrides and ALERT_THRESHOLDS_FILE',
    type: ThresholdsDto,
  })
  thresholds(): ThresholdsDto {
    return this.alerts.thresholdsInEffect();
  }
}

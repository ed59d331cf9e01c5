import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { expositionFormat } from './open-metrics';
import { ScrapeCollectors } from './scrape-collectors';

@ApiTags('health')
@Controller()
export class MetricsController {
  constructor(private readonly collectors: ScrapeCollectors) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @Header('Vary', 'Accept')
  @ApiOperation({
    summary: 'Prometheus metrics: the daemon and, per server, its forecast',
    description:
      "Prometheus text exposition, or OpenMetrics when the Accept header ranks application/openmetrics-text first (Prometheus does). The daemon's health (samples per route and outcome, ignored remote-write series, " +
      'forecast pass durations, servers by model, forecast age, alert deliveries, alert thresholds, process metrics) and, unless ' +
      'METRICS_PER_SERVER=false, per server its profile and model, per metric p10/p50/p90 at 30m/1h/4h/8h, seconds until the predicted breach ' +
      'and the incident probabilities. docs/PROMETHEUS.md lists the series.',
  })
  @ApiProduces('text/plain', 'application/openmetrics-text')
  @ApiOkResponse({
    description: 'Prometheus text format 0.0.4 (the default) or OpenMetrics 1.0.0, ending with # EOF',
    schema: { type: 'string' },
  })
  async metrics(@Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    const { contentType, body } = await this.collectors.exposition(expositionFormat(accept));
    res.setHeader('Content-Type', contentType);
    res.send(body);
  }
}

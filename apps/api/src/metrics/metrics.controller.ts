import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ScrapeCollectors } from './scrape-collectors';

@ApiTags('health')
@Controller()
export class MetricsController {
  constructor(private readonly collectors: ScrapeCollectors) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics: the daemon and, per server, its forecast',
    description:
      "Prometheus text exposition. The daemon's health (samples per route and outcome, ignored remote-write series, " +
      'forecast pass durations, servers by model, forecast age, alert deliveries, process metrics) and, unless ' +
      'METRICS_PER_SERVER=false, per server and metric p10/p50/p90 at 30m/1h/4h/8h, seconds until the predicted breach ' +
      'and the incident probabilities. docs/PROMETHEUS.md lists the series.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4', schema: { type: 'string' } })
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.collectors.registry.contentType);
    res.send(await this.collectors.exposition());
  }
}

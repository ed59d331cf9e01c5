import { Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { QUERY_PIPE } from '../common/query-params';
import { ReadRoute } from '../common/read-route.decorator';
import { AccuracyDto, AccuracyQueryDto } from './dto/accuracy.dto';
import { TrackRecordService } from './track-record.service';

@ApiTags('accuracy')
@Controller('accuracy')
export class TrackRecordController {
  constructor(private readonly record: TrackRecordService) {}

  @ReadRoute('', {
    summary: "The live track record: the TFT's forecasts scored against what happened, beside persistence and seasonal naive",
    description:
      'Per horizon bucket (0-30m, 30m-2h, 2h-8h, all) the wQL of the TFT and of persistence and seasonal naive at the same origins ' +
      '(one forecast every TRACK_RECORD_ORIGIN_EVERY steps per server), the p10-p90 coverage and the targets scored, for the fleet, ' +
      "each profile and, with `server`, one server; and the alerts that ended, scored against the breaches that followed. npm run backtest's " +
      'rules and arithmetic (docs/OPERATIONS.md, "Live track record"). In cluster mode the fleet and profiles combine every replica; a ' +
      "server's record is held by its owner, which any replica asks.",
    type: AccuracyDto,
    badRequest: 'An unknown query parameter, a window other than 24h or 7d, an unknown profile, or a malformed server name',
    notFound: 'The server asked for has no record (no data received for it)',
  })
  accuracy(@Query(QUERY_PIPE) query: AccuracyQueryDto): Promise<AccuracyDto> {
    return this.record.accuracy(query);
  }
}

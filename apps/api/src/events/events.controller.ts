import { Controller, Get, Headers, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { RetryLaterException } from '../common/retry-later.exception';
import { LiveFeed } from './live-feed';
import { AlertEventDto, PassEventDto } from './dto/events.dto';

@ApiTags('events')
@ApiExtraModels(PassEventDto, AlertEventDto)
@Controller()
export class EventsController {
  constructor(private readonly live: LiveFeed) {}

  @Get('events')
  @ApiOperation({
    summary: 'Server-sent events: each forecast pass that changed something, and each alert that fired or resolved',
    description:
      'text/event-stream. `event: pass` carries a PassEvent (the servers to refetch), `event: alert` an AlertEvent, ' +
      '`event: reset` means the events since Last-Event-ID are no longer kept: refetch everything. A comment line ' +
      'every 15 s keeps proxies from closing an idle stream. A client that falls more than 4 MiB behind is ' +
      'disconnected and replays from its Last-Event-ID when it reconnects (EventSource does so by itself).',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received: replays what came after' })
  @ApiOkResponse({
    description: `Event stream; data of \`pass\`: [PassEvent](${getSchemaPath(PassEventDto)}), of \`alert\`: [AlertEvent](${getSchemaPath(AlertEventDto)})`,
    content: { 'text/event-stream': { schema: { type: 'string', example: 'id: mi8x2k.412\nevent: pass\ndata: {"pass":412,...}\n\n' } } },
  })
  @ApiServiceUnavailableResponse({ description: 'As many clients as the feed takes are connected; retry later' })
  events(@Headers('last-event-id') lastEventId: string | undefined, @Res() res: Response): void {
    if (!this.live.feed.subscribe(res, lastEventId))
      throw new RetryLaterException('the change feed has as many clients as it takes; retry later', 5);
  }
}

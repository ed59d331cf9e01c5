import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StreamStatusDto } from './dto/stream-status.dto';
import { StreamService } from './stream.service';

@ApiTags('stream')
@Controller('stream')
export class StreamController {
  constructor(private readonly stream: StreamService) {}

  @Get('status')
  @ApiOperation({
    summary: 'Delivery to the api: reachability, buffer, counts, simulated time',
  })
  @ApiOkResponse({ type: StreamStatusDto })
  status(): StreamStatusDto {
    return this.stream.status();
  }
}

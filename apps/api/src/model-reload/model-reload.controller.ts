import { Controller, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { WriteRoute } from '../auth/access.decorators';
import { QUERY_PIPE } from '../common/query-params';
import { ModelReloadDto, ModelReloadQueryDto } from './dto/model-reload.dto';
import { ModelReloadService } from './model-reload.service';

@ApiTags('model')
@Controller('model')
export class ModelReloadController {
  constructor(private readonly reloads: ModelReloadService) {}

  @Post('reload')
  @HttpCode(200)
  @WriteRoute()
  @ApiOperation({
    summary: 'Serve another model version without a restart',
    description:
      'Loads the version (default: the newest under the folder of versions MODEL_DIR names) beside the model serving; the next forecast pass uses it and every warm server is forecast again, passes under way finish on the old one. In cluster mode every replica reloads.',
  })
  @ApiOkResponse({ type: ModelReloadDto })
  @ApiBadRequestResponse({ description: 'version is not x.y.z' })
  @ApiNotFoundResponse({ description: 'No such version folder' })
  @ApiConflictResponse({ description: 'MODEL_DIR pins one version, or the model steps on another grid (a restart is needed)' })
  @ApiUnprocessableEntityResponse({ description: 'The model did not load; the one serving goes on' })
  reload(@Query(QUERY_PIPE) query: ModelReloadQueryDto): Promise<ModelReloadDto> {
    return this.reloads.reload(query.version);
  }
}

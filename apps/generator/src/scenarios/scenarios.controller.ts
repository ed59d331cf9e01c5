import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WriteRoute } from '@tft/api-keys/nest';
import { ScenarioSetDto, ScenarioSetResponseDto, ScenarioStatusDto } from './dto/scenario.dto';
import { ScenariosService } from './scenarios.service';

@ApiTags('scenario')
@Controller('scenario')
export class ScenariosController {
  constructor(private readonly scenarios: ScenariosService) {}

  @Post('set')
  @HttpCode(200)
  @WriteRoute()
  @ApiOperation({
    summary: 'Switch the fleet scenario at runtime (ramped over a few simulated minutes)',
  })
  @ApiOkResponse({ type: ScenarioSetResponseDto })
  @ApiBadRequestResponse({
    description: 'Unknown scenario; the message lists the valid ones',
  })
  set(@Body() body: ScenarioSetDto): ScenarioSetResponseDto {
    return this.scenarios.set(body.scenario);
  }

  @Get('status')
  @ApiOperation({
    summary: 'Active scenario, its multiplier and the servers it affects',
  })
  @ApiOkResponse({ type: ScenarioStatusDto })
  status(): ScenarioStatusDto {
    return this.scenarios.status();
  }
}

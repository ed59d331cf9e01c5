import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PROFILES } from '@tft/contracts';
import { FleetService } from './fleet.service';

class FleetServerDto {
  @ApiProperty({ example: 'ppml0001' })
  name!: string;
  @ApiProperty({ enum: PROFILES, example: 'ml_compute' })
  profile!: string;
  @ApiProperty({
    example: 16,
    description: 'Core count; load_average scales with it',
  })
  cores!: number;
  @ApiProperty({
    description: 'Incident-prone server (about 10 % of the fleet)',
  })
  problem!: boolean;
  @ApiProperty({
    description: 'In the stable set that non-healthy scenarios act on',
  })
  affected_by_scenarios!: boolean;
}

@ApiTags('fleet')
@Controller('fleet')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get()
  @ApiOperation({ summary: 'The simulated servers' })
  @ApiOkResponse({ type: [FleetServerDto] })
  list(): FleetServerDto[] {
    return this.fleet.model.servers.map((s) => ({
      name: s.name,
      profile: s.profile,
      cores: s.cores,
      problem: s.problem,
      affected_by_scenarios: this.fleet.model.affected.has(s.name),
    }));
  }
}

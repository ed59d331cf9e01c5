import { ApiProperty } from '@nestjs/swagger';
import { SCENARIOS, type ScenarioName } from '@tft/contracts';
import { IsIn } from 'class-validator';

export class ScenarioSetDto {
  @ApiProperty({
    enum: SCENARIOS,
    example: 'degrading',
    description: 'Scenario to switch to (ramped, no restart)',
  })
  @IsIn(SCENARIOS, {
    message: `scenario must be one of: ${SCENARIOS.join(', ')}`,
  })
  scenario!: ScenarioName;
}

export class ScenarioSetResponseDto {
  @ApiProperty({ example: 'success' })
  status!: 'success';
  @ApiProperty({ example: 'healthy' })
  old_scenario!: string;
  @ApiProperty({ example: 'degrading' })
  new_scenario!: string;
  @ApiProperty({
    example: 3,
    description: 'Number of servers the scenario acts on',
  })
  affected_servers!: number;
  @ApiProperty({
    example: 'Scenario changed to degrading. 3 servers affected.',
  })
  message!: string;
}

export class ScenarioStatusDto {
  @ApiProperty({ enum: SCENARIOS, example: 'degrading' })
  scenario!: string;
  @ApiProperty({ example: 1.15 })
  multiplier!: number;
  @ApiProperty({
    type: [String],
    example: ['ppml0003', 'ppdb0005', 'ppweb0012'],
  })
  affected_servers!: string[];
  @ApiProperty({ example: 450 })
  uptime_seconds!: number;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

export class ModelReloadQueryDto {
  @ApiProperty({
    required: false,
    example: '3.0.1',
    description: 'The version folder to serve, under the folder of versions MODEL_DIR names (default: the newest there)',
  })
  @IsOptional()
  @Matches(/^\d+\.\d+\.\d+$/, { message: 'version: a version folder name x.y.z, e.g. 3.0.1' })
  version?: string;
}

export class ModelReloadDto {
  @ApiProperty({ example: '3.0.1', description: 'The version serving from the next forecast pass on' })
  version!: string;
  @ApiProperty({ type: String, nullable: true, example: '3.0.0', description: 'The version it replaced; null after heuristic mode' })
  previous_version!: string | null;
  @ApiProperty({ example: 'models/tft/3.0.1' })
  model_dir!: string;
  @ApiProperty({ example: 850, description: 'Milliseconds the new model took to load' })
  load_ms!: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class OtlpPartialSuccessDto {
  @ApiProperty({ example: '12', description: 'Data points refused (OTLP/JSON writes this int64 as a string)' })
  rejectedDataPoints!: string;
  @ApiProperty({
    example: 'resource without a host.name attribute (OTLP_HOST_ATTRIBUTE=host.name names the server) (12)',
    description: 'Each reason with the points it refused',
  })
  errorMessage!: string;
}

/** ExportMetricsServiceResponse as OTLP/JSON; a protobuf request gets the same message in protobuf. */
export class OtlpExportResponseDto {
  @ApiPropertyOptional({ type: OtlpPartialSuccessDto, description: 'Absent when every point was stored, a duplicate or ignored' })
  partialSuccess?: OtlpPartialSuccessDto;
}

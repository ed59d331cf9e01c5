import { ApiProperty } from '@nestjs/swagger';

/**
 * The body of every error answer, whoever produces it (a controller, the key guard, the rate limiter,
 * the body parser): one shape, so a client reads `message` without checking its type first.
 */
export class ErrorDto {
  @ApiProperty({
    type: 'integer',
    example: 404,
    description: 'The HTTP status, repeated',
  })
  statusCode!: number;

  @ApiProperty({
    example: 'Not Found',
    description: 'The HTTP reason phrase of statusCode',
  })
  error!: string;

  @ApiProperty({
    example: 'unknown server "ppml0042": no data received for it',
    description: 'What went wrong, for a person: it names the field, the limit or the setting involved',
  })
  message!: string;
}

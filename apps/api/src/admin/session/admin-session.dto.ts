import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class CreateAdminSessionDto {
  @ApiProperty({ description: 'The admin token (ADMIN_TOKEN)' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  token!: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

import { NoNulCharacter } from '../common/no-nul';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: '1 to 100 characters' })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  @NoNulCharacter()
  name!: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { USER_ID_PATTERN } from './chat.dto';

export class UserIdParamDto {
  @ApiProperty({ example: 'ana@empresa.com.br', pattern: USER_ID_PATTERN.source })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'user_id must be 1-128 letters, digits or . _ @ : + -' })
  user_id!: string;
}

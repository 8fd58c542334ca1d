import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { NfcUserId, USER_ID_PATTERN, USER_ID_RULE } from '../../../../../shared/http';

export class UserIdParamDto {
  @ApiProperty({ example: 'ana@empresa.com.br', pattern: USER_ID_PATTERN.source })
  @NfcUserId()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: `user_id must be ${USER_ID_RULE}` })
  user_id!: string;
}

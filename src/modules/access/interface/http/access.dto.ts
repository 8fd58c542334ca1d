import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { NfcUserId, USER_ID_PATTERN, USER_ID_RULE } from '../../../../shared/http';
import { COLLECTION_NAME_PATTERN } from '../../../retrieval';

const COLLECTION_MESSAGE = 'each collection must be lowercase letters, digits, - or _ (max 63)';

export class CreateKeyDto {
  @ApiProperty({ enum: ['user', 'admin'], example: 'user' })
  @IsIn(['user', 'admin'])
  role!: 'user' | 'admin';

  @ApiPropertyOptional({ example: 'ana', description: 'Required for a user key: the user it acts as' })
  @IsOptional()
  @NfcUserId()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  // the user ids POST /v1/chat accepts: a key's user must be able to chat
  @Matches(USER_ID_PATTERN, { message: `user_id must be ${USER_ID_RULE}` })
  user_id?: string;

  @ApiPropertyOptional({ type: [String], example: ['suporte'], description: 'Bound the key to these collections (absent: no bound; []: no collection at all)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(COLLECTION_NAME_PATTERN, { each: true, message: COLLECTION_MESSAGE })
  collections?: string[];
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'acv_Xk3v9QpL', description: 'The first characters of the key, to tell keys apart' }) prefix!: string;
  @ApiProperty({ enum: ['user', 'admin'] }) role!: string;
  @ApiProperty({ nullable: true, type: String, example: 'ana' }) user_id!: string | null;
  @ApiProperty({ nullable: true, type: [String], example: ['suporte'] }) collections!: string[] | null;
  @ApiProperty() created_at!: string;
  @ApiProperty({ nullable: true, type: String }) revoked_at!: string | null;
}

export class CreatedKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'acv_Xk3v9QpL0b6m2X0J4zq1rT8yWc5nVh7sA9dE3fG6kLu', description: 'The key, in clear: shown once, never again (only its hash is stored)' })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) data!: ApiKeyDto[];
}

export class PutCollectionAccessDto {
  @ApiProperty({ enum: ['private', 'public'], example: 'private' })
  @IsIn(['private', 'public'])
  visibility!: 'private' | 'public';

  @ApiPropertyOptional({ type: [String], example: ['bruno'], description: 'Users who read and write besides the owner (replaces the list; absent: kept)' })
  @IsOptional()
  @NfcUserId()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(200, { each: true })
  @Matches(USER_ID_PATTERN, { each: true, message: `each user must be ${USER_ID_RULE}` })
  users?: string[];
}

export class CollectionNameParamDto {
  @ApiProperty({ example: 'suporte' })
  @Matches(COLLECTION_NAME_PATTERN, { message: 'name must be lowercase letters, digits, - or _ (max 63)' })
  name!: string;
}

export class CollectionAccessDto {
  @ApiProperty({ example: 'suporte' }) collection!: string;
  @ApiProperty({ nullable: true, type: String, example: 'ana' }) owner!: string | null;
  @ApiProperty({ enum: ['private', 'public'] }) visibility!: string;
  @ApiProperty({ type: [String], example: ['bruno'] }) users!: string[];
}

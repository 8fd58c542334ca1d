import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard, ApiProblems } from '../../../../shared/http';
import { ApiKeysService } from '../../application/api-keys.service';
import type { ApiKey } from '../../domain/api-key';
import { ApiKeyListDto, CreatedKeyDto, CreateKeyDto } from './access.dto';
import { CREATE_KEY_PROBLEMS, LIST_KEYS_PROBLEMS, REVOKE_KEY_PROBLEMS } from './access.problems';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException({ message: 'id must be a UUID', code: 'REQUEST.VALIDATION', errors: [{ field: 'id', message: 'must be a UUID' }] }),
});

export function keyView(k: ApiKey) {
  return {
    id: k.id,
    prefix: k.prefix,
    role: k.role,
    user_id: k.userId,
    collections: k.collections,
    created_at: k.createdAt.toISOString(),
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}

@ApiTags('admin')
@ApiSecurity('admin')
@ApiSecurity('bearer')
@UseGuards(AdminKeyGuard)
@Controller({ path: 'admin/keys', version: '1' })
export class KeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key (user keys act as their user_id, optionally bound to collections); the key is in this answer only' })
  @ApiCreatedResponse({ type: CreatedKeyDto })
  @ApiProblems(...CREATE_KEY_PROBLEMS)
  async create(@Body() body: CreateKeyDto) {
    const { key, apiKey } = await this.keys.create({ role: body.role, userId: body.user_id, collections: body.collections });
    return { ...keyView(apiKey), key };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (prefixes only: a key cannot be read back)' })
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiProblems(...LIST_KEYS_PROBLEMS)
  async list() {
    return { data: (await this.keys.list()).map(keyView) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key: refused from the next request on' })
  @ApiNoContentResponse()
  @ApiProblems(...REVOKE_KEY_PROBLEMS)
  async revoke(@Param('id', uuid) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Audited } from '../../../../shared/audit';
import { AdminKeyGuard, ApiProblems } from '../../../../shared/http';
import { ApiKeysService } from '../../application/api-keys.service';
import type { ApiKey } from '../../domain/api-key';
import { ApiKeyListDto, CreatedKeyDto, CreateKeyDto } from './access.dto';
import { CREATE_KEY_PROBLEMS, LIST_KEYS_PROBLEMS, REVOKE_KEY_PROBLEMS } from './access.problems';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException({ message: 'id must be a UUID', code: 'REQUEST.VALIDATION', errors: [{ field: 'id', message: 'must be a UUID' }] }),
});

/** The key a create made, for its audit row's target (known only once the handler ran). */
type KeyRequest = Request & { createdKeyId?: string };
const keyDetails = (req: Request) => {
  const b = (req.body ?? {}) as Record<string, unknown>;
  return { role: b.role, user_id: b.user_id ?? null, collections: b.collections ?? null };
};

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
  @Audited('key.create', { target: (req) => (req as KeyRequest).createdKeyId, details: keyDetails })
  async create(@Body() body: CreateKeyDto, @Req() req: KeyRequest) {
    const { key, apiKey } = await this.keys.create({ role: body.role, userId: body.user_id, collections: body.collections });
    req.createdKeyId = apiKey.id;
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
  @Audited('key.revoke')
  async revoke(@Param('id', uuid) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

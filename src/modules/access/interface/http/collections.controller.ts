import { Body, Controller, Get, Param, Put, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Audited } from '../../../../shared/audit';
import { ApiProblems, principalOf, type Principal } from '../../../../shared/http';
import { AccessService } from '../../application/access.service';
import { CollectionAccessDto, CollectionNameParamDto, PutCollectionAccessDto } from './access.dto';
import { GET_COLLECTION_ACCESS_PROBLEMS, PUT_COLLECTION_ACCESS_PROBLEMS } from './access.problems';

/** In open mode (no credential) the caller acts as an admin: the access list is kept for when auth turns required. */
const OPEN: Principal = { role: 'admin', via: 'bootstrap' };

@ApiTags('documents')
@ApiSecurity('admin')
@ApiSecurity('bearer')
@Controller({ path: 'collections', version: '1' })
export class CollectionsController {
  constructor(private readonly access: AccessService) {}

  @Put(':name')
  @ApiOperation({
    summary: "Set a collection's access list: private (owner and listed users) or public (everyone reads)",
    description:
      'An admin, or the owner (a user naming a new collection becomes its owner). Listed users read and write; with visibility public every ' +
      'authenticated caller reads. Enforced when auth.mode is required: a caller who may not read a collection gets 404 for it everywhere.',
  })
  @ApiOkResponse({ type: CollectionAccessDto })
  @ApiProblems(...PUT_COLLECTION_ACCESS_PROBLEMS)
  @Audited('collection.access', { target: (req) => String(req.params?.name ?? ''), details: (req) => ({ visibility: req.body?.visibility, users: req.body?.users }) })
  put(@Param() p: CollectionNameParamDto, @Body() body: PutCollectionAccessDto, @Req() req: Request) {
    return this.access.put(principalOf(req) ?? OPEN, p.name, body.visibility, body.users);
  }

  @Get(':name')
  @ApiOperation({ summary: "A collection's access list (404 for a caller who may not read it)" })
  @ApiOkResponse({ type: CollectionAccessDto })
  @ApiProblems(...GET_COLLECTION_ACCESS_PROBLEMS)
  get(@Param() p: CollectionNameParamDto, @Req() req: Request) {
    return this.access.get(principalOf(req) ?? OPEN, p.name);
  }
}

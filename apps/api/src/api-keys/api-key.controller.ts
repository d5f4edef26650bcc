import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ApiKeyInfo, CreatedApiKey } from '@chunkserve/contracts';

import { AdminAccess } from '../admin/session/admin-access';
import { ApiKeyService } from './api-key.service';

@ApiTags('admin')
@AdminAccess()
@Controller('admin')
export class ApiKeyController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post('tenants/:id/api-keys')
  @ApiOperation({ summary: 'Create an API key for a tenant; the key is shown only in this response' })
  create(@Param('id', ParseUUIDPipe) tenantId: string): Promise<CreatedApiKey> {
    return this.keys.create(tenantId);
  }

  @Get('tenants/:id/api-keys')
  @ApiOperation({ summary: "A tenant's API keys (prefixes, last use, revocation; never the secret)" })
  list(@Param('id', ParseUUIDPipe) tenantId: string): Promise<ApiKeyInfo[]> {
    return this.keys.list(tenantId);
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  revoke(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.keys.revoke(id);
  }
}

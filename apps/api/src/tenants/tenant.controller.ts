import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TenantDetail, TenantInfo, TenantSummary } from '@chunkserve/contracts';

import { AdminAccess } from '../admin/session/admin-access';
import { CreateTenantDto, UpdateTenantDto } from './tenant.dto';
import { TenantService } from './tenant.service';

@ApiTags('admin')
@AdminAccess()
@Controller('admin/tenants')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Post()
  @ApiOperation({ summary: 'Create a tenant' })
  create(@Body() dto: CreateTenantDto): Promise<TenantInfo> {
    return this.tenants.create(dto.name);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants with their settings, keys, prompts, pinned chunks and requests' })
  list(): Promise<TenantSummary[]> {
    return this.tenants.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'A tenant with its settings, the platform defaults and what it holds' })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<TenantDetail> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a tenant and/or set its pinned-chunk quota and rate limit (null: the platform default)' })
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateTenantDto): Promise<TenantDetail> {
    return this.tenants.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a tenant: its prompts are unpinned, and its keys, prompts and usage history are removed (platform totals drop by its requests)',
  })
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.tenants.remove(id);
  }
}

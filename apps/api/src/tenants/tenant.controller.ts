import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TenantInfo } from '@chunkserve/contracts';

import { AdminAuth } from '../auth/tenant-auth.decorator';
import { CreateTenantDto } from './tenant.dto';
import { TenantService } from './tenant.service';

@ApiTags('admin')
@AdminAuth()
@Controller('admin/tenants')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Post()
  @ApiOperation({ summary: 'Create a tenant' })
  create(@Body() dto: CreateTenantDto): Promise<TenantInfo> {
    return this.tenants.create(dto.name);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants' })
  list(): Promise<TenantInfo[]> {
    return this.tenants.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a tenant, its keys, prompts (unpinned) and history' })
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.tenants.remove(id);
  }
}

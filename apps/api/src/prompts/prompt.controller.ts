import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PromptDetail, PromptInfo } from '@chunkserve/contracts';

import { CurrentTenant, type AuthenticatedTenant } from '../auth/authenticated-tenant';
import { TenantAuth } from '../auth/tenant-auth.decorator';
import { CreatePromptDto, UpdatePromptDto } from './prompt.dto';
import { PromptService } from './prompt.service';

@ApiTags('prompts')
@TenantAuth()
@Controller('v1/prompts')
export class PromptController {
  constructor(private readonly prompts: PromptService) {}

  @Post()
  @ApiOperation({ summary: 'Register a system prompt: tokenized with the chat template, pre-warmed and pinned' })
  create(@CurrentTenant() tenant: AuthenticatedTenant, @Body() dto: CreatePromptDto): Promise<PromptInfo> {
    return this.prompts.create(tenant.id, dto.name, dto.content);
  }

  @Get()
  @ApiOperation({ summary: "The tenant's prompts with their current version" })
  list(@CurrentTenant() tenant: AuthenticatedTenant): Promise<PromptInfo[]> {
    return this.prompts.list(tenant.id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A prompt with all its versions' })
  get(@CurrentTenant() tenant: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<PromptDetail> {
    return this.prompts.get(tenant.id, id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'New content as a new version: pinned, and the previous version unpinned' })
  update(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdatePromptDto,
  ): Promise<PromptInfo> {
    return this.prompts.update(tenant.id, id, dto.content);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a prompt and unpin it' })
  remove(@CurrentTenant() tenant: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.prompts.remove(tenant.id, id);
  }
}

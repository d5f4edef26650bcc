import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AdminPromptDetail, AdminPromptInfo, PromptDryRun, PromptInfo } from '@chunkserve/contracts';

import { UpdatePromptDto } from '../../prompts/prompt.dto';
import { AdminAccess } from '../session/admin-access';
import { AdminCreatePromptDto, AdminPromptFilterDto, PromptDraftDto, RestorePromptVersionDto } from './admin-prompts.dto';
import { AdminPromptsService } from './admin-prompts.service';

@ApiTags('admin')
@AdminAccess()
@Controller('admin/prompts')
export class AdminPromptsController {
  constructor(private readonly prompts: AdminPromptsService) {}

  @Get()
  @ApiOperation({ summary: "Every tenant's prompts (or one tenant's) with their current version" })
  list(@Query() q: AdminPromptFilterDto): Promise<AdminPromptInfo[]> {
    return this.prompts.list(q.tenant);
  }

  @Post()
  @ApiOperation({ summary: "Register a prompt for a tenant: pre-warmed and pinned in the tenant's namespace" })
  create(@Body() dto: AdminCreatePromptDto): Promise<PromptInfo> {
    return this.prompts.create(dto.tenantId, dto.name, dto.content);
  }

  @Post('dry-run')
  @HttpCode(200)
  @ApiOperation({ summary: 'Tokenize a draft of a new prompt: its chunks and text that changes per request (nothing is stored)' })
  dryRunNew(@Body() dto: PromptDraftDto): Promise<PromptDryRun> {
    return this.prompts.dryRun(dto.content);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A prompt with its content, status, pinned chunks and every version with the usage it served' })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AdminPromptDetail> {
    return this.prompts.get(id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'New content as a new version: pinned, and the previous version unpinned' })
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdatePromptDto): Promise<PromptInfo> {
    return this.prompts.update(id, dto.content);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: "Restore an old version: its content becomes a new version" })
  restore(@Param('id', ParseUUIDPipe) id: string, @Body() dto: RestorePromptVersionDto): Promise<PromptInfo> {
    return this.prompts.restore(id, dto.version);
  }

  @Post(':id/dry-run')
  @HttpCode(200)
  @ApiOperation({ summary: "Tokenize a draft: how many of the current version's chunks it reuses and where the first change falls (nothing is stored)" })
  dryRun(@Param('id', ParseUUIDPipe) id: string, @Body() dto: PromptDraftDto): Promise<PromptDryRun> {
    return this.prompts.dryRun(dto.content, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a prompt and unpin it' })
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.prompts.remove(id);
  }
}

import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { CurrentTenant, type AuthenticatedTenant } from '../auth/authenticated-tenant';
import { TenantAuth } from '../auth/tenant-auth.decorator';
import { EngineService } from '../engine/engine.service';
import { ChatCompletionDto, CompletionDto } from './completion.dto';
import { CompletionService, type PreparedGeneration } from './completion.service';
import { GenerationRunner } from './generation-runner';
import { JsonResponseSink } from './json-response.sink';
import { chatCompletionBody, textCompletionBody } from './openai-format';
import { SseResponseSink } from './sse-response.sink';

@ApiTags('openai')
@TenantAuth()
@Controller('v1')
export class CompletionController {
  constructor(
    private readonly completions: CompletionService,
    private readonly runner: GenerationRunner,
    private readonly engine: EngineService,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  @ApiOperation({ summary: 'OpenAI chat completions (stream or not); `prompt_id` names a registered system prompt' })
  async chat(@CurrentTenant() tenant: AuthenticatedTenant, @Body() dto: ChatCompletionDto, @Res() res: Response): Promise<void> {
    const prepared = await this.completions.prepareChat(tenant.id, dto, 'chat.completions');
    await this.runner.run(prepared, this.sink(prepared, 'chat', dto, res));
  }

  @Post('completions')
  @HttpCode(200)
  @ApiOperation({ summary: 'OpenAI (legacy) text completions (stream or not)' })
  async text(@CurrentTenant() tenant: AuthenticatedTenant, @Body() dto: CompletionDto, @Res() res: Response): Promise<void> {
    const prepared = await this.completions.prepareText(tenant.id, dto);
    await this.runner.run(prepared, this.sink(prepared, 'text', dto, res));
  }

  @Get('models')
  @ApiOperation({ summary: 'The served model' })
  models() {
    const { id } = this.engine.model;
    return { object: 'list', data: [{ id, object: 'model', created: 0, owned_by: 'chunkserve' }] };
  }

  /** Server-sent events when the request streams, else one JSON body. */
  private sink(p: PreparedGeneration, kind: 'chat' | 'text', dto: ChatCompletionDto | CompletionDto, res: Response) {
    if (dto.stream === true) return new SseResponseSink(res, p.meta, kind, p.n, dto.stream_options?.include_usage === true);
    return new JsonResponseSink(res, (result) => (kind === 'chat' ? chatCompletionBody(p.meta, result) : textCompletionBody(p.meta, result)));
  }
}

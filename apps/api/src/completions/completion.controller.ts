import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { CurrentTenant, type AuthenticatedTenant } from '../auth/authenticated-tenant';
import { TenantAuth } from '../auth/tenant-auth.decorator';
import { EngineService } from '../engine/engine.service';
import { ChatCompletionDto, CompletionDto } from './completion.dto';
import { CompletionService, type PreparedGeneration } from './completion.service';
import { chatCompletionBody, ChunkBuilder, GenerationResult, textCompletionBody } from './openai-format';
import { SseWriter } from './sse';

@ApiTags('openai')
@TenantAuth()
@Controller('v1')
export class CompletionController {
  constructor(
    private readonly completions: CompletionService,
    private readonly engine: EngineService,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  @ApiOperation({ summary: 'OpenAI chat completions (stream or not); `prompt_id` names a registered system prompt' })
  async chat(@CurrentTenant() tenant: AuthenticatedTenant, @Body() dto: ChatCompletionDto, @Res() res: Response): Promise<void> {
    const prepared = await this.completions.prepareChat(tenant.id, dto, 'chat.completions');
    await this.respond(prepared, 'chat', dto.stream === true, dto.stream_options?.include_usage === true, res);
  }

  @Post('completions')
  @HttpCode(200)
  @ApiOperation({ summary: 'OpenAI (legacy) text completions (stream or not)' })
  async text(@CurrentTenant() tenant: AuthenticatedTenant, @Body() dto: CompletionDto, @Res() res: Response): Promise<void> {
    const prepared = await this.completions.prepareText(tenant.id, dto);
    await this.respond(prepared, 'text', dto.stream === true, dto.stream_options?.include_usage === true, res);
  }

  @Get('models')
  @ApiOperation({ summary: 'The served model' })
  models() {
    const { id } = this.engine.model;
    return { object: 'list', data: [{ id, object: 'model', created: 0, owned_by: 'chunkserve' }] };
  }

  private async respond(p: PreparedGeneration, kind: 'chat' | 'text', stream: boolean, includeUsage: boolean, res: Response): Promise<void> {
    const sse = new SseWriter(res);
    if (!stream) {
      const result = new GenerationResult(p.n, p.request.promptTokens.length);
      for await (const event of this.completions.run(p, sse.signal)) result.add(event);
      if (sse.signal.aborted) return;
      res.status(200).json(kind === 'chat' ? chatCompletionBody(p.meta, result) : textCompletionBody(p.meta, result));
      return;
    }
    const chunks = new ChunkBuilder(p.meta, kind, includeUsage);
    const result = new GenerationResult(p.n, p.request.promptTokens.length);
    sse.start();
    if (kind === 'chat') for (let i = 0; i < p.n; i++) await sse.send(chunks.role(i));
    for await (const event of this.completions.run(p, sse.signal)) {
      result.add(event);
      await sse.send(event.type === 'token' ? chunks.token(event) : chunks.finish(event.choice, event.finishReason));
      if (sse.signal.aborted) break;
    }
    if (sse.signal.aborted) return;
    if (includeUsage) await sse.send(chunks.usage(result.usage()));
    sse.end();
  }
}

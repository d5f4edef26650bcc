// The admin console's playground: a chat completion as a given tenant (its namespace, prompts and
// usage history), streamed as OpenAI server-sent events, without a key of the tenant's.
import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { OpenAiError } from '../../common/openai-error';
import { ChatCompletionDto } from '../../completions/completion.dto';
import { CompletionService } from '../../completions/completion.service';
import { GenerationRunner } from '../../completions/generation-runner';
import { JsonResponseSink } from '../../completions/json-response.sink';
import { chatCompletionBody } from '../../completions/openai-format';
import { SseResponseSink } from '../../completions/sse-response.sink';
import { TenantRepository } from '../../tenants/tenant.repository';
import { AdminAccess } from '../session/admin-access';

@ApiTags('admin')
@AdminAccess()
@Controller('admin/tenants/:id/chat')
export class PlaygroundController {
  constructor(
    private readonly completions: CompletionService,
    private readonly runner: GenerationRunner,
    private readonly tenants: TenantRepository,
  ) {}

  @Post('completions')
  @HttpCode(200)
  @ApiOperation({ summary: "Chat completions as the tenant (the admin console's playground); `prompt_id` names one of its prompts" })
  async chat(@Param('id', ParseUUIDPipe) tenantId: string, @Body() dto: ChatCompletionDto, @Res() res: Response): Promise<void> {
    if (!(await this.tenants.exists(tenantId))) throw OpenAiError.notFound(`No tenant ${tenantId}.`, 'tenant_not_found');
    const p = await this.completions.prepareChat(tenantId, dto, 'chat.completions');
    const sink =
      dto.stream === true
        ? new SseResponseSink(res, p.meta, 'chat', p.n, dto.stream_options?.include_usage === true)
        : new JsonResponseSink(res, (result) => chatCompletionBody(p.meta, result));
    await this.runner.run(p, sink);
  }
}

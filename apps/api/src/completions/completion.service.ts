// Turns OpenAI requests into generations ready for the engine: the model checked, a registered
// prompt resolved, the chat rendered and tokenized, sampling and limits mapped. GenerationRunner
// runs them.
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'crypto';

import { OpenAiError } from '../common/openai-error';
import type { Environment } from '../config/environment';
import { requestNamespace } from '../engine/cache-namespace';
import { EngineService } from '../engine/engine.service';
import { PromptService, type ResolvedPrompt } from '../prompts/prompt.service';
import type { ChatCompletionDto, CompletionDto } from './completion.dto';
import { chatMessages, logprobOptions, resolveMaxTokens, samplingOptions, type EngineRequest } from './generation-request';
import type { ResponseMeta } from './openai-format';

export type Endpoint = 'chat.completions' | 'completions' | 'stream';

/** A validated request, tokenized and ready for the engine. */
export interface PreparedGeneration {
  tenantId: string;
  promptId: string | null;
  /** The version of the registered prompt that was resolved (what usage rows are counted under). */
  promptVersion: number | null;
  endpoint: Endpoint;
  request: EngineRequest;
  n: number;
  meta: ResponseMeta;
}

@Injectable()
export class CompletionService {
  constructor(
    private readonly engine: EngineService,
    private readonly prompts: PromptService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async prepareChat(tenantId: string, dto: ChatCompletionDto, endpoint: Endpoint): Promise<PreparedGeneration> {
    this.checkRequest(tenantId, dto);
    const registered = await this.registeredPrompt(tenantId, dto);
    const specialTokens = this.config.get('CHAT_CONTENT_SPECIAL_TOKENS', { infer: true });
    const promptTokens = this.engine.encodeChat(chatMessages(dto.messages, registered?.content, specialTokens));
    return this.prepared(tenantId, registered, endpoint, 'chatcmpl', dto, promptTokens, dto.max_completion_tokens ?? dto.max_tokens);
  }

  /** The registered prompt `prompt_id` names; none when it is absent or null (class-validator's @IsOptional lets null through, as OpenAI's optional fields accept it). */
  private async registeredPrompt(tenantId: string, dto: { prompt_id?: string | null }) {
    return dto.prompt_id == null ? undefined : this.prompts.resolve(tenantId, dto.prompt_id);
  }

  async prepareText(tenantId: string, dto: CompletionDto): Promise<PreparedGeneration> {
    this.checkRequest(tenantId, dto);
    const registered = await this.registeredPrompt(tenantId, dto);
    // With a registered prompt, the prompt text follows its system turn (the pinned prefix).
    const prefix = registered ? this.engine.encodeSystemPrefix(registered.content) : [];
    const promptTokens = [...prefix, ...this.engine.encode(dto.prompt)];
    return this.prepared(tenantId, registered, 'completions', 'cmpl', dto, promptTokens, dto.max_tokens);
  }

  private prepared(
    tenantId: string,
    registered: ResolvedPrompt | undefined,
    endpoint: Endpoint,
    idPrefix: string,
    dto: ChatCompletionDto | CompletionDto,
    promptTokens: number[],
    requestedMaxTokens: number | undefined,
  ): PreparedGeneration {
    const limits = { contextLength: this.engine.model.contextLength, defaultMaxTokens: this.config.get('DEFAULT_MAX_TOKENS', { infer: true }) };
    const logprobs = logprobOptions(dto);
    const request: EngineRequest = {
      ...samplingOptions(dto),
      ...logprobs,
      promptTokens,
      maxTokens: resolveMaxTokens(promptTokens.length, requestedMaxTokens, limits),
      ...(dto.cache_salt === undefined ? {} : { cacheSalt: dto.cache_salt }),
    };
    const meta: ResponseMeta = {
      id: `${idPrefix}-${randomBytes(12).toString('base64url')}`,
      created: Math.floor(Date.now() / 1000),
      model: this.engine.model.id,
      topLogprobs: logprobs.logprobs ? logprobs.topLogprobs : undefined,
    };
    return { tenantId, promptId: registered?.id ?? null, promptVersion: registered?.version ?? null, endpoint, request, n: dto.n ?? 1, meta };
  }

  /** Before any prompt is resolved or rendered: the model is the served one, a cache_salt is the tenant's. */
  private checkRequest(tenantId: string, dto: ChatCompletionDto | CompletionDto): void {
    this.checkModel(dto.model);
    requestNamespace(tenantId, dto.cache_salt);
  }

  private checkModel(model: string): void {
    const served = this.engine.model.id;
    if (model !== served) {
      throw new OpenAiError(404, `The model "${model}" does not exist; this server serves "${served}".`, 'invalid_request_error', 'model_not_found', 'model');
    }
  }
}

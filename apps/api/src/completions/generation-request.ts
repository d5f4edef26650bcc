// OpenAI request fields -> the engine's GenerateRequest (without the namespace, which EngineService
// derives from the tenant and the cache_salt). Pure, so the mapping is unit-tested.
import { OpenAiError } from '../common/openai-error';
import type { EngineRequest } from '../engine/engine.service';
import type { ChatMessage } from '../engine/engine.types';
import type { ChatCompletionDto, ChatMessageDto, CompletionDto } from './completion.dto';

export type { EngineRequest };

/**
 * The chat as the engine takes it; a registered prompt's content becomes the system message.
 * `specialTokens`: the request's messages may hold special tokens (CHAT_CONTENT_SPECIAL_TOKENS);
 * a registered prompt never does, so its pinned prefix stays the one chats find.
 */
export function chatMessages(messages: ChatMessageDto[], registeredSystem?: string, specialTokens = false): ChatMessage[] {
  const out = messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
    ...(specialTokens ? { specialTokens } : {}),
  })) as ChatMessage[];
  if (registeredSystem === undefined) return out;
  if (out.some((m) => m.role === 'system')) {
    throw OpenAiError.badRequest('prompt_id supplies the system message: do not also send one in messages.', 'invalid_value', 'messages');
  }
  return [{ role: 'system', content: registeredSystem }, ...out];
}

export interface Limits {
  contextLength: number;
  defaultMaxTokens: number;
}

/** max_tokens within the context window: an explicit value that does not fit is a 400. */
export function resolveMaxTokens(promptTokens: number, requested: number | undefined, limits: Limits): number {
  if (promptTokens < 1) throw OpenAiError.badRequest('The prompt has no tokens: send some text.', 'empty_prompt', 'prompt');
  const room = limits.contextLength - promptTokens;
  if (room < 1) {
    throw OpenAiError.badRequest(
      `This model's context is ${limits.contextLength} tokens and the prompt has ${promptTokens}.`,
      'context_length_exceeded',
      'messages',
    );
  }
  if (requested === undefined) return Math.min(limits.defaultMaxTokens, room);
  if (requested > room) {
    throw OpenAiError.badRequest(
      `This model's context is ${limits.contextLength} tokens: ${promptTokens} prompt tokens plus max_tokens ${requested} do not fit ` +
        `(at most ${room}).`,
      'context_length_exceeded',
      'max_tokens',
    );
  }
  return requested;
}

/** Sampling fields shared by both endpoints. */
export function samplingOptions(dto: ChatCompletionDto | CompletionDto): Omit<EngineRequest, 'promptTokens' | 'maxTokens'> {
  const stop = dto.stop === undefined ? undefined : typeof dto.stop === 'string' ? [dto.stop] : dto.stop;
  return stripUndefined({
    n: dto.n,
    temperature: dto.temperature,
    topP: dto.top_p,
    seed: dto.seed,
    stop,
    frequencyPenalty: dto.frequency_penalty,
    presencePenalty: dto.presence_penalty,
    stopAtEos: dto.ignore_eos === undefined ? undefined : !dto.ignore_eos,
  });
}

/** Log probabilities: chat has `logprobs` + `top_logprobs`, completions an integer `logprobs`. */
export function logprobOptions(dto: ChatCompletionDto | CompletionDto): { logprobs?: boolean; topLogprobs?: number } {
  if (typeof dto.logprobs === 'number') return { logprobs: true, topLogprobs: dto.logprobs };
  const top = (dto as ChatCompletionDto).top_logprobs;
  if (top !== undefined && dto.logprobs !== true) {
    throw OpenAiError.badRequest('top_logprobs needs logprobs: true.', 'invalid_value', 'top_logprobs');
  }
  return dto.logprobs === true ? { logprobs: true, topLogprobs: top ?? 0 } : {};
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// Maps every error (validation, auth, not found, body too large or malformed, rate limit, engine
// full, server draining, bugs) to OpenAI's error body. When an SSE stream has already started, the
// error becomes the stream's last event.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { EngineCapacityError } from '../engine/engine-errors';
import { ServerDrainingError } from '../lifecycle/server-draining.error';
import { errorBody, OpenAiError, typeForStatus, type OpenAiErrorBody } from './openai-error';
import { redactCredentials } from './redact';

@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    // Health checks keep terminus's body (which check is down, and why).
    if (exception instanceof HttpException && (req.path === '/readyz' || req.path === '/healthz')) {
      res.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const { status, body } = toOpenAiError(exception);
    if (isUnexpected(exception)) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    const retryAfter = retryAfterOf(exception);
    if (retryAfter !== undefined && !res.headersSent) res.setHeader('Retry-After', String(retryAfter));
    if (res.headersSent) {
      if (!res.writableEnded) res.end(`data: ${JSON.stringify(body)}\n\n`);
      return;
    }
    res.status(status).json(body);
  }
}

export function toOpenAiError(exception: unknown): { status: number; body: OpenAiErrorBody } {
  if (exception instanceof OpenAiError) {
    return { status: exception.status, body: errorBody(exception.message, exception.type, exception.code, exception.param) };
  }
  if (exception instanceof EngineCapacityError) {
    return { status: 503, body: errorBody(`The engine is out of KV cache memory: ${exception.message}`, 'server_error', 'engine_overloaded') };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const { type, code } = typeForStatus(status);
    // "Cannot GET /v1/stream?api_key=..." must not echo the credential.
    return { status, body: errorBody(redactCredentials(httpMessage(exception)), type, code) };
  }
  // body-parser's errors (malformed JSON, too large) carry a status and a type.
  const bodyError = exception as { status?: number; type?: string; message?: string };
  if (typeof bodyError?.status === 'number' && typeof bodyError.type === 'string' && bodyError.type.startsWith('entity.')) {
    const status = bodyError.status;
    const message =
      bodyError.type === 'entity.too.large'
        ? 'The request body is larger than the limit (BODY_LIMIT_BYTES).'
        : bodyError.type === 'entity.parse.failed'
          ? `The request body is not valid JSON: ${bodyError.message}`
          : String(bodyError.message);
    return { status, body: errorBody(message, 'invalid_request_error', typeForStatus(status).code ?? bodyError.type) };
  }
  return { status: 500, body: errorBody('Internal server error', 'server_error', null) };
}

/** Seconds to wait before retrying, for refusals that say (a full engine, a draining server). */
function retryAfterOf(exception: unknown): number | undefined {
  if (exception instanceof EngineCapacityError || exception instanceof ServerDrainingError) return exception.retryAfterSeconds;
  return undefined;
}

/** A bug or an outage, worth an error log line (not a client's mistake nor a deliberate refusal). */
export function isUnexpected(exception: unknown): boolean {
  if (exception instanceof OpenAiError || exception instanceof EngineCapacityError) return false;
  if (exception instanceof HttpException) return exception.getStatus() >= 500;
  return typeof (exception as { type?: unknown })?.type !== 'string';
}

function httpMessage(exception: HttpException): string {
  const status = exception.getStatus();
  // Express's body parser errors reach here as plain HttpExceptions with its terse wording.
  if (status === 413) return 'The request body is larger than the limit (BODY_LIMIT_BYTES).';
  if (status === 400 && /JSON/.test(exception.message)) return `The request body is not valid JSON: ${exception.message}`;
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

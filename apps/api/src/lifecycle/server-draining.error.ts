// The refusal of a server that is shutting down: 503 server_draining, OpenAI's shape, with a
// Retry-After (another replica can take the request at once; the router drops this one).
import { OpenAiError } from '../common/openai-error';

/** Seconds a client refused with 503 server_draining is told to wait (Retry-After). */
export const DRAINING_RETRY_AFTER_SECONDS = 1;

export class ServerDrainingError extends OpenAiError {
  readonly retryAfterSeconds = DRAINING_RETRY_AFTER_SECONDS;

  constructor(message = 'The server is shutting down and takes no new generations; retry, another replica will answer.') {
    super(503, message, 'server_error', 'server_draining');
    this.name = 'ServerDrainingError';
  }
}

// OpenAI's error body, used for every error the API answers with. Free of NestJS imports, so the
// pure modules that throw it are unit-testable (NestJS 12 is ESM, which jest cannot load).

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** An HTTP error with an explicit OpenAI type and code (turned into a response by the filter). */
export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'OpenAiError';
  }

  static badRequest(message: string, code: string | null = null, param: string | null = null): OpenAiError {
    return new OpenAiError(400, message, 'invalid_request_error', code, param);
  }

  static notFound(message: string, code = 'not_found'): OpenAiError {
    return new OpenAiError(404, message, 'invalid_request_error', code);
  }
}

/** Default type and code per status, for errors that do not carry their own. */
export function typeForStatus(status: number): { type: string; code: string | null } {
  switch (status) {
    case 400:
      return { type: 'invalid_request_error', code: null };
    case 401:
      return { type: 'authentication_error', code: 'invalid_api_key' };
    case 403:
      return { type: 'permission_error', code: null };
    case 404:
      return { type: 'invalid_request_error', code: 'not_found' };
    case 409:
      return { type: 'invalid_request_error', code: 'conflict' };
    case 413:
      return { type: 'invalid_request_error', code: 'request_too_large' };
    case 429:
      return { type: 'rate_limit_error', code: 'rate_limit_exceeded' };
    case 503:
      return { type: 'server_error', code: 'engine_overloaded' };
    default:
      return status >= 500 ? { type: 'server_error', code: null } : { type: 'invalid_request_error', code: null };
  }
}

export function errorBody(message: string, type: string, code: string | null, param: string | null = null): OpenAiErrorBody {
  return { error: { message, type, code, param } };
}

// The one validation of request bodies and WebSocket messages: ValidationPipe with whitelist,
// unknown properties rejected, and one readable message that names every bad field (OpenAI's
// `param` is the first one). HTTP bodies get it as the global pipe; sockets call validateAs.
import { ValidationPipe, type ArgumentMetadata, type Type, type ValidationError } from '@nestjs/common';

import { jsonShapeProblem } from './json-shape';
import { OpenAiError } from './openai-error';

/** ValidationPipe that first refuses bodies nesting too deep or holding huge arrays (json-shape.ts). */
class BoundedValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problem = jsonShapeProblem(value);
    if (problem) return Promise.reject(OpenAiError.badRequest(problem.message, 'invalid_value', problem.param));
    return super.transform(value, metadata);
  }
}

export const validationPipe = new BoundedValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => {
    const problems = flattenValidationErrors(errors);
    return OpenAiError.badRequest(problems.map((p) => p.message).join('; '), 'invalid_value', problems[0]?.param ?? null);
  },
});

/**
 * `value` as an instance of `dto`, validated and transformed as the global pipe does a request
 * body; else the same 400 OpenAiError (invalid_value).
 */
export function validateAs<T extends object>(dto: Type<T>, value: unknown): Promise<T> {
  return validationPipe.transform(value, { type: 'body', metatype: dto }) as Promise<T>;
}

interface ValidationProblem {
  param: string;
  message: string;
}

/** Nested errors as `messages[0].role: must be one of ...` lines. */
function flattenValidationErrors(errors: ValidationError[], parent = ''): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  for (const e of errors) {
    const param = parent === '' ? e.property : /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`;
    for (const text of Object.values(e.constraints ?? {})) {
      // class-validator starts messages with the bare property name; show the full path instead.
      const detail = text.startsWith(`${e.property} `) ? text.slice(e.property.length + 1) : text;
      out.push({ param, message: `${param}: ${detail}` });
    }
    out.push(...flattenValidationErrors(e.children ?? [], param));
  }
  return out;
}

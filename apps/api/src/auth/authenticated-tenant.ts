import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who a tenant request is from: set by ApiKeyGuard from the API key, never from the body. */
export interface AuthenticatedTenant {
  id: string;
  keyId: string;
}

export const CurrentTenant = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedTenant => context.switchToHttp().getRequest().tenant,
);

// Engine namespaces: chunks are shared only between requests of one namespace, and the API derives
// every namespace from the authenticated tenant, never from a request alone.
//
//   tenant:<tenant id>                 the tenant's namespace (registered prompts are pinned here)
//   tenant:<tenant id>:salt:<salt>     a request's own cache_salt: isolation inside the tenant
//
// Each namespace has a routing salt, the value that KV events carry in a root chunk's extra_keys
// and that a request sends as `cache_salt` so that a prefix-aware router (llm-d's precise scorer)
// keys both alike (docs/scale-out.md, section 3):
//
//   routing salt of tenant:<id>             = first 32 hex digits of SHA-256("tenant:<id>")
//   routing salt of tenant:<id>:salt:<salt> = <salt>, which must start with the tenant's salt
//
// So `cache_salt` equal to the tenant's routing salt means "the tenant's namespace" (it only tells
// the router whose request it is), and any longer value starting with it is a namespace of its own.
// A salt that does not start with the tenant's is refused: router keys then stay per tenant, and one
// tenant cannot pose as another in the router's index (never in the engine: the tenant comes from
// the API key). Salts of one tenant share its admission lane (the lane is the tenant's namespace),
// so a new salt buys no extra turn in the scheduler.
import { createHash } from 'crypto';

import { OpenAiError } from '../common/openai-error';

const TENANT_PREFIX = 'tenant:';
const SALT_MARK = ':salt:';
/** Characters of a cache_salt at most (the DTO checks it too). */
export const MAX_CACHE_SALT_CHARS = 256;

/** The tenant's own namespace: its admission lane and where its registered prompts are pinned. */
export function tenantNamespace(tenantId: string): string {
  return `${TENANT_PREFIX}${tenantId}`;
}

/** First 32 hex digits of SHA-256: the routing salt of a namespace that carries no salt of its own. */
function hashedSalt(namespace: string): string {
  return createHash('sha256').update(namespace, 'utf8').digest('hex').slice(0, 32);
}

/** The routing salt of a tenant: what its requests send as `cache_salt` (32 hex digits). */
export function tenantRoutingSalt(tenantId: string): string {
  return hashedSalt(tenantNamespace(tenantId));
}

/**
 * The namespace of a request: the tenant's, or (a cache_salt longer than the tenant's routing salt
 * and starting with it) one of its own. Any other cache_salt is a 400.
 */
export function requestNamespace(tenantId: string, cacheSalt?: string): string {
  if (cacheSalt === undefined) return tenantNamespace(tenantId);
  const salt = tenantRoutingSalt(tenantId);
  if (cacheSalt === salt) return tenantNamespace(tenantId);
  if (cacheSalt.startsWith(salt) && cacheSalt.length <= MAX_CACHE_SALT_CHARS) return `${tenantNamespace(tenantId)}${SALT_MARK}${cacheSalt}`;
  throw OpenAiError.badRequest(
    `cache_salt must be your routing salt "${salt}" or start with it (at most ${MAX_CACHE_SALT_CHARS} characters); see docs/scale-out.md.`,
    'invalid_cache_salt',
    'cache_salt',
  );
}

/** The tenant id of a namespace made here, else null. */
export function tenantOf(namespace: string): string | null {
  if (!namespace.startsWith(TENANT_PREFIX)) return null;
  const rest = namespace.slice(TENANT_PREFIX.length);
  const mark = rest.indexOf(SALT_MARK);
  return mark < 0 ? rest : rest.slice(0, mark);
}

/** The salt a root chunk of the namespace carries in its KV events (see the banner). */
export function routingSaltOf(namespace: string): string {
  const tenantId = tenantOf(namespace);
  if (tenantId !== null) {
    const mark = namespace.indexOf(SALT_MARK, TENANT_PREFIX.length);
    if (mark >= 0) return namespace.slice(mark + SALT_MARK.length);
  }
  return hashedSalt(namespace);
}

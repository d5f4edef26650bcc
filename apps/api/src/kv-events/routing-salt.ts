// The salt that keeps a tenant's chunks apart in a prefix-aware router's index. llm-d's precise
// prefix scorer derives its block keys from the tokens, the model and, for a request's first block,
// the request's `cache_salt` (vLLM puts it in block 0's extra_keys; the router folds both sides in
// the same way). Every KV event of a chunk at a namespace's root carries this salt in extra_keys, so
// equal prompts of two tenants get different router keys; a request routes onto a tenant's chunks
// only when its body's `cache_salt` is that tenant's salt. Engine isolation does not depend on it.
import { createHash } from 'crypto';

/** 32 hex digits: the first 128 bits of SHA-256 of the namespace (`tenant:<tenant id>`). */
export function routingSaltOf(namespace: string): string {
  return createHash('sha256').update(namespace, 'utf8').digest('hex').slice(0, 32);
}

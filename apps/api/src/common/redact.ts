// Credentials that can travel in places that get logged or echoed: query strings (WebSocket
// clients that cannot set headers use ?token= and ?api_key=) and API keys inside any text.

/** Query parameters that carry credentials. */
export const CREDENTIAL_QUERY_PARAMS = ['token', 'api_key', 'apikey', 'access_token', 'key'];

export const REDACTED = '[REDACTED]';

const CREDENTIAL_PARAM = new RegExp(`([?&](?:${CREDENTIAL_QUERY_PARAMS.join('|')})=)[^&#\\s]*`, 'gi');
// cs_live_<public id>_<secret>: the public id may stay, the secret never.
const API_KEY_SECRET = /(cs_live_[A-Za-z0-9]{12})_[A-Za-z0-9_-]+/g;

/** The text with credential query values and API key secrets replaced by [REDACTED]. */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIAL_PARAM, `$1${REDACTED}`).replace(API_KEY_SECRET, `$1_${REDACTED}`);
}

/** A parsed query object with its credential parameters' values replaced. */
export function redactQuery(query: unknown): unknown {
  if (query === null || typeof query !== 'object') return query;
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [name, CREDENTIAL_QUERY_PARAMS.includes(name.toLowerCase()) ? REDACTED : value]),
  );
}

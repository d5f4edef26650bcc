// Secret configuration values never reach the console: boot errors name the variable, not its value.

/** Variables whose whole value is a secret. */
const SECRET_VARIABLES = ['ADMIN_TOKEN', 'METRICS_TOKEN'];

/** A postgres:// URL with its password replaced by ***. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/** How a variable's value may be shown in a message. */
export function displayValue(name: string, value: unknown): string {
  if (typeof value === 'string' && SECRET_VARIABLES.includes(name)) return `<hidden, ${value.length} characters>`;
  if (typeof value === 'string' && name === 'DATABASE_URL') return JSON.stringify(maskUrlPassword(value));
  return JSON.stringify(value);
}

/** The secret values among raw variables (tokens, the database password), longest first. */
export function secretValues(raw: Record<string, unknown>): string[] {
  const values = SECRET_VARIABLES.map((name) => raw[name]);
  const url = raw.DATABASE_URL;
  if (typeof url === 'string') {
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1];
    values.push(password, password && decodeURIComponentSafe(password));
  }
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= 4))].sort((a, b) => b.length - a.length);
}

/** The text with every secret value of the raw variables replaced by ***. */
export function maskSecrets(text: string, raw: Record<string, unknown>): string {
  return secretValues(raw).reduce((out, secret) => out.split(secret).join('***'), text);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// Settings of one module read from the process environment and validated as the Environment is:
// a bad value stops boot with an EnvironmentError naming the variable. A settings class lists its
// variables as fields, each with a default (optional ones `= undefined`).
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

import { EnvironmentError } from '../config/environment';

export const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);
export const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
export const toOptionalInt = ({ value }: { value: unknown }) => (value === '' ? undefined : toInt({ value }));

export function readSettings<T extends object>(settings: new () => T, raw: Record<string, unknown>): T {
  const names = new Set(Object.keys(new settings()));
  const picked = Object.fromEntries(Object.entries(raw).filter(([name]) => names.has(name)));
  const instance = plainToInstance(settings, picked, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length === 0) return instance;
  const lines = errors.map((e) => `  ${e.property}=${JSON.stringify(raw[e.property])}: ${problemsOf(e)}`);
  throw new EnvironmentError(`Invalid configuration:\n${lines.join('\n')}`);
}

/** The faults of one variable without its name; a value of the wrong type gets one message. */
function problemsOf({ property, constraints = {} }: ValidationError): string {
  const messages = constraints.isInt ? [constraints.isInt] : Object.values(constraints);
  return messages.map((m) => (m.startsWith(`${property} `) ? m.slice(property.length + 1) : m)).join('; ');
}

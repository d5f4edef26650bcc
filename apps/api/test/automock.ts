// Mocks for the specs beside the code: every method of a class becomes a jest.fn(), so a service
// is built with `new Service(automock(Repository), ...)` and its collaborators are asserted on.

export function automock<T extends object>(Class: abstract new (...args: never[]) => T, values: Partial<T> = {}): jest.Mocked<T> {
  const mock: Record<string, unknown> = {};
  for (let proto = Class.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name !== 'constructor' && typeof descriptor.value === 'function' && !(name in mock)) mock[name] = jest.fn();
    }
  }
  return Object.assign(mock, values) as unknown as jest.Mocked<T>;
}

/** A ConfigService whose get() answers from `values` (the validated environment's names). */
export function configOf(values: Record<string, unknown>) {
  return { get: (name: string) => values[name] } as never;
}

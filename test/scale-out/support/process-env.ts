// The API reads its scale-out variables (KV_EVENTS_*, POD_IP, ENGINE_METRICS_PORT) from the process
// environment. A jest test sees a copy of it, so they are set on the real one (through Node's own
// require) for the API booted in-process, and restored afterwards.
declare const nativeRequire: NodeRequire;

export function setProcessEnv(vars: Record<string, string>): () => void {
  const env: NodeJS.ProcessEnv = nativeRequire('process').env;
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, env[k]]));
  Object.assign(env, vars);
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
  };
}

// API entry point: validate the environment, open the database (embedded when DATABASE_URL is
// unset), build the app, listen; on SIGINT/SIGTERM drain (DrainService), close the app, then the
// database, and exit 0.
import 'reflect-metadata';

import { resolveAdminToken } from './admin-auth/admin-token';
import { createApp } from './app.factory';
import { EnvironmentError, validateEnvironment } from './config/environment';
import { maskSecrets } from './config/secrets';
import { openDatabase } from './database/database';
import { DrainService } from './lifecycle/drain.service';

async function main(): Promise<void> {
  const env = validateEnvironment(process.env);
  const say = (msg: string) => process.stdout.write(`${msg}\n`);

  const adminToken = resolveAdminToken(env, say);
  const db = await openDatabase(env, say);
  let app;
  try {
    app = await createApp({ env, databaseUrl: db.url, adminToken });
    await app.listen(env.PORT, env.HOST);
  } catch (err) {
    await db.close();
    throw err;
  }
  say(`ChunkServe API listening on http://${env.HOST}:${env.PORT}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    // Drain first: /readyz turns 503, new generations are refused, in-flight ones finish up to
    // DRAIN_TIMEOUT_MS and are cancelled after it; then the app (engine, listeners) and the database close.
    say(`${signal}: draining (in-flight generations have up to ${env.DRAIN_TIMEOUT_MS} ms), then shutting down`);
    const drained = await app.get(DrainService).drain(env.DRAIN_TIMEOUT_MS);
    if (drained.cancelled > 0) say(`drain deadline passed: generations cancelled: ${drained.cancelled} (requests in flight at the signal: ${drained.inFlight})`);
    // A response stuck on a client that reads nothing would keep the HTTP server from closing.
    if (drained.left > 0) app.getHttpServer().closeAllConnections();
    await app.close();
    await db.close();
    process.exit(0);
  };
  const onSignal = (signal: string) =>
    shutdown(signal).catch((err) => {
      process.stderr.write(`${maskSecrets(`shutdown failed: ${describeError(err)}`, process.env)}\n`);
      process.exit(1);
    });
  process.on('SIGINT', () => void onSignal('SIGINT'));
  process.on('SIGTERM', () => void onSignal('SIGTERM'));
}

main().catch((err) => {
  const text = err instanceof EnvironmentError ? err.message : `ChunkServe API failed to start: ${describeError(err)}`;
  process.stderr.write(`${maskSecrets(text, process.env)}\n`);
  process.exit(1);
});

/** The real cause of a failure, whatever was thrown (some libraries reject with undefined or a string). */
function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  if (err === undefined || err === null) return `an unknown error (${String(err)} was thrown)`;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

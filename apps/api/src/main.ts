// API entry point: validate the environment, open the database (embedded when DATABASE_URL is
// unset), build the app, listen; on SIGINT/SIGTERM close the app, then the database.
import 'reflect-metadata';

import { resolveAdminToken } from './admin-auth/admin-token';
import { createApp } from './app.factory';
import { EnvironmentError, validateEnvironment } from './config/environment';
import { maskSecrets } from './config/secrets';
import { openDatabase } from './database/database';

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
    say(`${signal}: shutting down`);
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
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

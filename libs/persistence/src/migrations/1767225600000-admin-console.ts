import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-tenant limits (null: the platform default) and the admin console's server-side sessions. */
export class AdminConsole1767225600000 implements MigrationInterface {
  name = 'AdminConsole1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN pinned_chunk_quota int CHECK (pinned_chunk_quota >= 0)`);
    await q.query(`ALTER TABLE tenants ADD COLUMN rate_limit_requests int CHECK (rate_limit_requests > 0)`);
    await q.query(`
      CREATE TABLE admin_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX admin_sessions_token_hash ON admin_sessions (token_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE admin_sessions`);
    await q.query(`ALTER TABLE tenants DROP COLUMN rate_limit_requests`);
    await q.query(`ALTER TABLE tenants DROP COLUMN pinned_chunk_quota`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, their API keys (hashes only), system prompts with immutable versions, usage history. */
export class TenantsPromptsUsage1764316800000 implements MigrationInterface {
  name = 'TenantsPromptsUsage1764316800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        prefix text NOT NULL,
        key_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_prefix ON api_keys (prefix)`);
    await q.query(`CREATE INDEX api_keys_tenant ON api_keys (tenant_id)`);
    await q.query(`
      CREATE TABLE prompts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        current_version int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX prompts_tenant_name ON prompts (tenant_id, name)`);
    await q.query(`
      CREATE TABLE prompt_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        prompt_id uuid NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
        version int NOT NULL,
        content text NOT NULL,
        tokens int NOT NULL,
        cached_tokens int NOT NULL,
        chunks int NOT NULL,
        status text NOT NULL CHECK (status IN ('warm', 'superseded', 'failed')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX prompt_versions_prompt_version ON prompt_versions (prompt_id, version)`);
    await q.query(`
      CREATE TABLE usage_records (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        prompt_id uuid,
        endpoint text NOT NULL,
        prompt_tokens int NOT NULL,
        cached_tokens int NOT NULL,
        completion_tokens int NOT NULL,
        ttft_ms real NOT NULL,
        duration_ms real NOT NULL,
        finish_reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX usage_records_tenant_created ON usage_records (tenant_id, created_at)`);
    await q.query(`CREATE INDEX usage_records_created ON usage_records (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE usage_records`);
    await q.query(`DROP TABLE prompt_versions`);
    await q.query(`DROP TABLE prompts`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE tenants`);
  }
}

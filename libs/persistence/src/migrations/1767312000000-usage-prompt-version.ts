import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The prompt version a request was served with, so per-version figures count each request for the
 * version it used (a request in flight across an update or a restore belongs to the old version).
 * Rows written before this migration have NULL; readers attribute those by time window.
 */
export class UsagePromptVersion1767312000000 implements MigrationInterface {
  name = 'UsagePromptVersion1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usage_records ADD COLUMN prompt_version int CHECK (prompt_version >= 1)`);
    await q.query(`CREATE INDEX usage_records_prompt_version ON usage_records (prompt_id, prompt_version) WHERE prompt_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX usage_records_prompt_version`);
    await q.query(`ALTER TABLE usage_records DROP COLUMN prompt_version`);
  }
}

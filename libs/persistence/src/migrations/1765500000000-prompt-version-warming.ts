import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prompt versions get the state 'warming' (stored, not yet pinned: the reconciler pins it) and a
 * status_detail that says why a version is failed (a budget skip, an engine error).
 */
export class PromptVersionWarming1765500000000 implements MigrationInterface {
  name = 'PromptVersionWarming1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE prompt_versions DROP CONSTRAINT IF EXISTS prompt_versions_status_check`);
    await q.query(`ALTER TABLE prompt_versions ADD CONSTRAINT prompt_versions_status_check CHECK (status IN ('warming', 'warm', 'superseded', 'failed'))`);
    await q.query(`ALTER TABLE prompt_versions ADD COLUMN status_detail text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE prompt_versions DROP COLUMN status_detail`);
    await q.query(`UPDATE prompt_versions SET status = 'failed' WHERE status = 'warming'`);
    await q.query(`ALTER TABLE prompt_versions DROP CONSTRAINT prompt_versions_status_check`);
    await q.query(`ALTER TABLE prompt_versions ADD CONSTRAINT prompt_versions_status_check CHECK (status IN ('warm', 'superseded', 'failed'))`);
  }
}

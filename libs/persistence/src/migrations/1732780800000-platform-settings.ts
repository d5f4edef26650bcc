import { MigrationInterface, QueryRunner } from 'typeorm';

/** Key/value settings of the platform (for example the model and chat template the cache was built for). */
export class PlatformSettings1732780800000 implements MigrationInterface {
  name = 'PlatformSettings1732780800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE platform_settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_settings`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replicas sharing one database learn of prompt writes through Postgres LISTEN/NOTIFY (no other
 * broker): a row trigger on prompts and prompt_versions calls pg_notify on the channel
 * `chunkserve_prompts` (PROMPT_CHANGES_CHANNEL) with {"table", "op", "tenant_id", "prompt_id"}.
 * Notifications are delivered at commit, to every listening session. Tenant deletion cascades to
 * the prompt rows, and row triggers fire for cascaded deletes too.
 *
 * Only changes that alter what a replica should pin notify: inserts, deletes, a prompt's current
 * version or owner, a version's content or its move to or from 'superseded'. The reconcilers' own
 * warm/failed/warming writes do not: each replica writes them after a pass, and notifying them
 * would start a pass on every other replica (N x N passes per write, and a replica that cannot
 * pin would re-notify forever).
 */
export class PromptChangeNotify1767398400000 implements MigrationInterface {
  name = 'PromptChangeNotify1767398400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION chunkserve_notify_prompt_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        r jsonb;
        prompt uuid;
        tenant uuid;
      BEGIN
        IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
        IF TG_TABLE_NAME = 'prompts' THEN
          prompt := (r->>'id')::uuid;
          tenant := (r->>'tenant_id')::uuid;
        ELSE
          prompt := (r->>'prompt_id')::uuid;
          -- NULL when the prompt row is already gone (a cascaded delete).
          SELECT p.tenant_id INTO tenant FROM prompts p WHERE p.id = prompt;
        END IF;
        PERFORM pg_notify('chunkserve_prompts', json_build_object('table', TG_TABLE_NAME, 'op', lower(TG_OP), 'tenant_id', tenant, 'prompt_id', prompt)::text);
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER prompts_notify_insert_delete AFTER INSERT OR DELETE ON prompts
        FOR EACH ROW EXECUTE FUNCTION chunkserve_notify_prompt_change()`);
    await q.query(`
      CREATE TRIGGER prompts_notify_update AFTER UPDATE ON prompts
        FOR EACH ROW WHEN (OLD.current_version IS DISTINCT FROM NEW.current_version OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
        EXECUTE FUNCTION chunkserve_notify_prompt_change()`);
    await q.query(`
      CREATE TRIGGER prompt_versions_notify_insert_delete AFTER INSERT OR DELETE ON prompt_versions
        FOR EACH ROW EXECUTE FUNCTION chunkserve_notify_prompt_change()`);
    await q.query(`
      CREATE TRIGGER prompt_versions_notify_update AFTER UPDATE ON prompt_versions
        FOR EACH ROW WHEN (
          OLD.content IS DISTINCT FROM NEW.content
          OR OLD.prompt_id IS DISTINCT FROM NEW.prompt_id
          OR OLD.version IS DISTINCT FROM NEW.version
          OR (OLD.status = 'superseded') IS DISTINCT FROM (NEW.status = 'superseded'))
        EXECUTE FUNCTION chunkserve_notify_prompt_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER prompt_versions_notify_update ON prompt_versions`);
    await q.query(`DROP TRIGGER prompt_versions_notify_insert_delete ON prompt_versions`);
    await q.query(`DROP TRIGGER prompts_notify_update ON prompts`);
    await q.query(`DROP TRIGGER prompts_notify_insert_delete ON prompts`);
    await q.query(`DROP FUNCTION chunkserve_notify_prompt_change()`);
  }
}

/** The engine's memory pool cannot hold what was asked (pinned prompts or running sequences). */
export class EngineCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineCapacityError';
  }
}

/** The engine reports a full pool with these words (its errors come from another realm: match text). */
export function isCapacityError(err: unknown): boolean {
  return err instanceof Error && /pool (is )?full|out of (kv )?(memory|chunks)|no free chunks|capacity/i.test(err.message);
}

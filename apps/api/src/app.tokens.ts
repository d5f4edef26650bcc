/** The admin token (resolved by main.ts or given by the tests). */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

// Keys the server makes itself on first use, kept in the database so every instance (and every restart) uses
// the same one.
import type { DbClient } from '../lib/db/client.ts';
import { isUniqueViolation } from '../lib/db/errors.ts';

export function createServerSecretsRepository(db: DbClient) {
  return {
    /** The secret stored under `name`; the first caller stores `make()` (a concurrent first caller's wins). */
    async getOrCreate(name: string, make: () => string): Promise<string> {
      const found = await db.serverSecret.findUnique({ where: { name } });
      if (found) return found.value;
      try {
        return (await db.serverSecret.create({ data: { name, value: make() } })).value;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return (await db.serverSecret.findUniqueOrThrow({ where: { name } })).value;
      }
    },
  };
}

export type ServerSecretsRepository = ReturnType<typeof createServerSecretsRepository>;

// Prisma's SQLite path binds at most 999 parameters per query: an updateMany filtered by an `in` list of
// 1,000 ids and another condition fails with "The query parameter limit supported by your database is
// exceeded" (plain `in` reads and updates Prisma splits itself). Id lists of unknown length go through these.
export const MAX_IDS_PER_QUERY = 500;

export function chunks<T>(items: readonly T[], size = MAX_IDS_PER_QUERY): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `query` once per chunk of ids and concatenates the rows, in order. */
export async function findInChunks<Id, Row>(ids: readonly Id[], query: (part: Id[]) => Promise<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const part of chunks(ids)) rows.push(...(await query(part)));
  return rows;
}

/** Runs an update/delete once per chunk of ids; the summed count. */
export async function updateInChunks<Id>(
  ids: readonly Id[],
  update: (part: Id[]) => Promise<{ count: number }>,
): Promise<number> {
  let count = 0;
  for (const part of chunks(ids)) count += (await update(part)).count;
  return count;
}

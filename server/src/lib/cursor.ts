// Keyset pagination, newest first: the cursor is the last row's sort key, opaque to clients. A cursor comes
// back from the client, so it is validated like any input: only the shape this API itself issues passes, and
// anything else is a 400 that says so (never a database error, never a 500).
import { z } from 'zod';
import { badRequest } from './errors.ts';

/** Ids are Int columns: 32-bit signed in PostgreSQL, so a bigger number is no id this API issued. */
const MAX_ID = 2_147_483_647;
/** What Date#toISOString gives for the years a row can have: the only timestamps this API puts in cursors. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const Id = z.number().int().min(0).max(MAX_ID);
const Timestamp = z
  .string()
  .regex(ISO_TIMESTAMP)
  .refine((s) => {
    // zod runs refinements after a failed regex too: an invalid date must not throw here
    const d = new Date(s);
    return !Number.isNaN(d.getTime()) && d.toISOString() === s;
  });

/** `[id]`: events, deliveries, audit, reconcile runs and findings. */
export const IdCursor = z.tuple([Id]);
/** `[updatedAt ISO, user id]`: users. */
export const UserCursor = z.tuple([Timestamp, z.string().min(1).max(200)]);
/** `[updatedAt ISO, organization id]`: organizations (the same shape as users'). */
export const OrganizationCursor = UserCursor;

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

const notOurs = () =>
  badRequest('cursor is not a cursor this API returned: start again from the first page (leave cursor out)');

/** The cursor's parts, checked against the shape the list issues; null without a cursor; else a 400. */
export function decodeCursor<T>(cursor: string | undefined, shape: z.ZodType<T>): T | null {
  if (!cursor) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw notOurs();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notOurs();
  }
  const r = shape.safeParse(parts);
  if (!r.success) throw notOurs();
  return r.data;
}

export function decodeIdCursor(cursor: string | undefined): number | null {
  return decodeCursor(cursor, IdCursor)?.[0] ?? null;
}

/** Given limit+1 rows, the page and the cursor of its last row. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  map: (r: Row) => Item,
  cursorOf: (r: Row) => (string | number)[],
) {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: more && last ? encodeCursor(cursorOf(last)) : null };
}

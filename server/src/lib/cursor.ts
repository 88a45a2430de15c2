// Keyset pagination, newest first: the cursor is the last id seen, opaque to clients.
import { badRequest } from './errors.ts';

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): (string | number)[] | null {
  if (!cursor) return null;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string' || typeof p === 'number')) return parts;
  } catch {
    // fall through to the error below
  }
  throw badRequest('cursor is not a cursor this API returned');
}

export function decodeIdCursor(cursor: string | undefined): number | null {
  const parts = decodeCursor(cursor);
  if (parts === null) return null;
  const [id] = parts;
  if (typeof id !== 'number') throw badRequest('cursor is not a cursor this API returned');
  return id;
}

/** Given limit+1 rows, the page and the cursor of its last row. */
export function toPage<Row, Item>(rows: Row[], limit: number, map: (r: Row) => Item, cursorOf: (r: Row) => (string | number)[]) {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: more && last ? encodeCursor(cursorOf(last)) : null };
}

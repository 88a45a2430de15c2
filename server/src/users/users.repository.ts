import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/unit-of-work.ts';
import type { Page, SyncStatus, UserSummary } from '../contract.ts';
import { iso } from '../lib/iso.ts';
import { toPage } from '../lib/cursor.ts';

export type UserRow = Prisma.UserGetPayload<object>;
export type UserSource = 'webhook' | 'resync' | 'reconcile';

/** [updatedAt ISO, id] of the last user of the previous page (validated by lib/cursor.ts UserCursor) */
export type UserListCursor = [updatedAt: string, id: string];

export interface UserFilter {
  q?: string;
  status?: SyncStatus;
}

export function createUsersRepository(db: DbClient) {
  return {
    async get(id: string): Promise<UserRow | null> {
      return db.user.findUnique({ where: { id } });
    },

    /** Writes a Clerk user JSON as the version held; the caller has decided it is newer. */
    async putVersion(
      user: Record<string, unknown>,
      meta: { svixId: string | null; source: UserSource; syncStatus?: SyncStatus; comparedAt?: Date },
    ): Promise<UserRow> {
      const fields = userColumnsOf(user);
      const status = meta.syncStatus ? { syncStatus: meta.syncStatus, lastComparedAt: meta.comparedAt ?? null } : {};
      return db.user.upsert({
        where: { id: fields.id },
        create: { ...fields, lastEventSvixId: meta.svixId, source: meta.source, ...status },
        update: { ...fields, deleted: false, deletedAt: null, lastEventSvixId: meta.svixId, source: meta.source, ...status },
      });
    },

    /** Keeps the row (and the last version held, for the record) but marks it deleted for good. */
    async tombstone(id: string, deletedAt: Date, meta: { svixId: string | null; source: UserSource }): Promise<UserRow> {
      return db.user.upsert({
        where: { id },
        create: { id, deleted: true, deletedAt, syncStatus: 'deleted', lastEventSvixId: meta.svixId, source: meta.source },
        update: { deleted: true, deletedAt, syncStatus: 'deleted', lastEventSvixId: meta.svixId, source: meta.source },
      });
    },

    async setSyncStatus(id: string, syncStatus: SyncStatus, comparedAt: Date): Promise<void> {
      await db.user.updateMany({ where: { id }, data: { syncStatus, lastComparedAt: comparedAt } });
    },

    async list(filter: UserFilter, cursor: UserListCursor | null, limit: number): Promise<Page<UserSummary>> {
      const where: Prisma.UserWhereInput[] = [];
      if (filter.status) where.push({ syncStatus: filter.status });
      if (filter.q) {
        const q = filter.q.trim().toLowerCase();
        where.push({ OR: [{ id: filter.q.trim() }, { emails: { contains: q } }] });
      }
      if (cursor) {
        const [at, id] = cursor;
        const d = new Date(at);
        where.push({ OR: [{ updatedAt: { lt: d } }, { updatedAt: d, id: { lt: id } }] });
      }
      const rows = await db.user.findMany({
        where: { AND: where },
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        omit: { data: true },
      });
      return toPage(rows, limit, toUserSummary, (r) => [r.updatedAt.toISOString(), r.id]);
    },

    async counts(): Promise<{ total: number; deleted: number; drifted: number }> {
      const [total, deleted, drifted] = await Promise.all([
        db.user.count(),
        db.user.count({ where: { deleted: true } }),
        db.user.count({ where: { syncStatus: 'drifted' } }),
      ]);
      return { total, deleted, drifted };
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);

/** The searchable columns derived from a Clerk user JSON (CLERK.md §5); `data` keeps all of it. */
export function userColumnsOf(u: Record<string, unknown>) {
  const emails = Array.isArray(u.email_addresses)
    ? (u.email_addresses as { id?: unknown; email_address?: unknown }[])
    : [];
  const primary = emails.find((e) => e.id === u.primary_email_address_id) ?? emails[0];
  const firstName = str(u.first_name);
  const lastName = str(u.last_name);
  const username = str(u.username);
  const search = [...emails.map((e) => str(e.email_address)), firstName, lastName, username, [firstName, lastName].filter(Boolean).join(' ')]
    .filter((s): s is string => Boolean(s))
    .join(' ')
    .toLowerCase();
  return {
    id: String(u.id),
    clerkUpdatedAt: date(u.updated_at),
    clerkCreatedAt: date(u.created_at),
    primaryEmail: primary ? str(primary.email_address) : null,
    emails: search,
    firstName,
    lastName,
    username,
    imageUrl: str(u.image_url),
    data: JSON.stringify(u),
  };
}

export function toUserSummary(r: Omit<UserRow, 'data'>): UserSummary {
  return {
    id: r.id,
    deleted: r.deleted,
    primaryEmail: r.primaryEmail,
    firstName: r.firstName,
    lastName: r.lastName,
    username: r.username,
    imageUrl: r.imageUrl,
    syncStatus: r.syncStatus as SyncStatus,
    clerkUpdatedAt: iso(r.clerkUpdatedAt),
    lastComparedAt: iso(r.lastComparedAt),
    updatedAt: r.updatedAt.toISOString(),
  };
}

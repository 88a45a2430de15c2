import type { Page, UserDetail, UserSummary } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { UserFilter, UserListCursor, UserRow } from './users.repository.ts';
import { toUserSummary } from './users.repository.ts';
import { toEventSummary } from '../events/events.repository.ts';
import { iso } from '../lib/iso.ts';
import { notFound } from '../lib/errors.ts';
import { parseStoredJson } from '../lib/json-depth.ts';
import { membershipsOfUser } from '../organizations/organizations.service.ts';

export function createUsersService(deps: { repos: Repositories }) {
  const { repos } = deps;

  async function detailOf(row: UserRow): Promise<UserDetail> {
    const [lastEvent, sessions, memberships] = await Promise.all([
      row.lastEventSvixId ? repos.events.get(row.lastEventSvixId) : null,
      repos.sessions.listForUser(row.id),
      membershipsOfUser(repos, row.id),
    ]);
    return {
      ...toUserSummary(row),
      deletedAt: iso(row.deletedAt),
      // cut at the nesting limit: a copy stored before deep JSON was refused must not break the page
      data: row.data ? parseStoredJson(row.data).value : null,
      source: row.source,
      lastEvent: lastEvent ? toEventSummary(lastEvent) : null,
      sessions,
      memberships,
    };
  }

  return {
    list(filter: UserFilter, cursor: UserListCursor | null, limit: number): Promise<Page<UserSummary>> {
      return repos.users.list(filter, cursor, limit);
    },

    async get(id: string): Promise<UserDetail> {
      const row = await repos.users.get(id);
      if (!row) throw notFound(`User ${id}`);
      return detailOf(row);
    },

    detailOf,
  };
}

export type UsersService = ReturnType<typeof createUsersService>;

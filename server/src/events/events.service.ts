import type { EventDetail, EventSummary, Page } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { EventFilter } from './events.repository.ts';
import { toEventSummary, USER_VERSION_TYPES } from './events.repository.ts';
import { notFound } from '../lib/errors.ts';
import { parseStoredJson } from '../lib/json-depth.ts';

const USERS_MATCHED = 500;

export function createEventsService(repos: Repositories) {
  /** Names beside ids: one query for the users of these events. */
  async function withLabels(items: EventSummary[]): Promise<EventSummary[]> {
    const labels = await repos.users.labels([
      ...new Set(items.map((e) => e.userId).filter((id): id is string => id !== null)),
    ]);
    return items.map((e) => ({ ...e, userLabel: e.userId ? (labels.get(e.userId) ?? null) : null }));
  }

  return {
    /** The user filter takes a Clerk user id, or an email or name (any local user it matches, up to 500). */
    async list(filter: EventFilter, cursor: number | null, limit: number): Promise<Page<EventSummary>> {
      const { userId, ...rest } = filter;
      let page: Page<EventSummary>;
      if (!userId || /^user_[A-Za-z0-9]+$/.test(userId)) {
        page = await repos.events.list(filter, cursor, limit);
      } else {
        const userIds = await repos.users.idsMatching(userId.trim(), USERS_MATCHED);
        if (userIds.length === 0) return { items: [], nextCursor: null };
        page = await repos.events.list({ ...rest, userIds }, cursor, limit);
      }
      return { ...page, items: await withLabels(page.items) };
    },

    /** Catch-up after a reconnect: the events after `afterId`, oldest first, named like the list. */
    async listAfter(afterId: number, limit: number): Promise<EventSummary[]> {
      return withLabels(await repos.events.listAfter(afterId, limit));
    },

    async get(svixId: string): Promise<EventDetail> {
      const row = await repos.events.get(svixId);
      if (!row) throw notFound(`Event ${svixId}`);
      const deliveries = await repos.deliveries.listForEvent(svixId);
      // Stored before deep JSON was refused, a payload can nest thousands of levels: it is cut at the limit.
      let previousUser: unknown = null;
      if (row.userId && USER_VERSION_TYPES.includes(row.type)) {
        const prev = await repos.events.previousUserVersion(row.userId, row.id);
        previousUser = prev ? ((parseStoredJson(prev).value as { data?: unknown } | null)?.data ?? null) : null;
      }
      // '' = erased by retention or a privacy purge (the row stays for dedupe and the timeline)
      const payload = row.payload === '' ? null : parseStoredJson(row.payload);
      return {
        ...toEventSummary(row),
        payload: payload?.value ?? null,
        ...(row.payload === '' ? { payloadPurged: true } : {}),
        ...(payload?.capped ? { payloadDepthCapped: true } : {}),
        appliedAt: row.appliedAt?.toISOString() ?? null,
        deliveries,
        previousUser,
      };
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;

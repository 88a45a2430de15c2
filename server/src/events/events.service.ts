import type { EventDetail, EventSummary, Page } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { EventFilter } from './events.repository.ts';
import { toEventSummary, USER_VERSION_TYPES } from './events.repository.ts';
import { notFound } from '../lib/errors.ts';
import { parseStoredJson } from '../lib/json-depth.ts';

export function createEventsService(repos: Repositories) {
  return {
    list(filter: EventFilter, cursor: number | null, limit: number): Promise<Page<EventSummary>> {
      return repos.events.list(filter, cursor, limit);
    },

    async get(svixId: string): Promise<EventDetail> {
      const row = await repos.events.get(svixId);
      if (!row) throw notFound(`Event ${svixId}`);
      const deliveries = await repos.deliveries.listForEvent(svixId);
      // Stored before deep JSON was refused, a payload can nest thousands of levels: it is cut at the limit.
      let previousUser: unknown = null;
      if (row.userId && USER_VERSION_TYPES.includes(row.type)) {
        const prev = await repos.events.previousUserVersion(row.userId, row.id);
        previousUser = prev ? (parseStoredJson(prev).value as { data?: unknown } | null)?.data ?? null : null;
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

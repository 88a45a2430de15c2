// Incidents and their alert records in the database. Incident ids are made by the server (inc_…), so an
// incident can exist (and be alerted on) before it could be written; `openKey` keeps one unresolved incident
// per cause across instances.
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import type {
  AlertChannelName,
  AlertKind,
  IncidentAlertDto,
  IncidentKind,
  IncidentState,
  IncidentSummary,
} from '../contract.ts';
import { z } from 'zod';
import { toPage } from '../lib/cursor.ts';
import type { IncidentFacts } from './signals.ts';

export type IncidentRow = Prisma.IncidentGetPayload<object>;
type AlertRow = Prisma.IncidentAlertGetPayload<object>;

/** Capped lists of what an incident touched, plus totals (the lists stop growing at AFFECTED_CAP). */
export interface Affected {
  events: { id: number; svixId: string; deliveryId: number | null; userId: string | null }[];
  deliveryIds: number[];
  userIds: string[];
  totals: { events: number; deliveries: number; users: number };
}

export const AFFECTED_CAP = 1000;

export const emptyAffected = (): Affected => ({
  events: [],
  deliveryIds: [],
  userIds: [],
  totals: { events: 0, deliveries: 0, users: 0 },
});

export function parseAffected(text: string): Affected {
  const raw = JSON.parse(text) as Partial<Affected>;
  const empty = emptyAffected();
  return {
    events: raw.events ?? empty.events,
    deliveryIds: raw.deliveryIds ?? [],
    userIds: raw.userIds ?? [],
    totals: raw.totals ?? empty.totals,
  };
}

const FactsJson = z.object({
  status: z.number().int().optional(),
  retryInMs: z.number().nonnegative().optional(),
  retryAt: z.iso.datetime().optional(),
  lastDeliveryAt: z.iso.datetime().optional(),
  quietMs: z.number().nonnegative().optional(),
});

/** An incident's stored facts; {} when there are none or they are not what this version writes. */
export function parseFacts(text: string | null): IncidentFacts {
  if (!text) return {};
  try {
    const parsed = FactsJson.safeParse(JSON.parse(text));
    if (!parsed.success) return {};
    // keys left undefined by zod are dropped: the facts compare and merge as written
    return Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as IncidentFacts;
  } catch {
    return {};
  }
}

export interface NewIncident {
  id: string;
  fingerprint: string;
  kind: IncidentKind;
  title: string;
  cause: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  count: number;
  quarantined: number;
  affected: Affected;
  facts: IncidentFacts;
  lastAlertAt: Date | null;
}

export interface NewAlert {
  incidentId: string | null;
  channel: AlertChannelName;
  kind: AlertKind;
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  at: Date;
}

export function createIncidentsRepository(db: DbClient) {
  return {
    /** Inserts an unresolved incident; null when another one with this cause is already unresolved. */
    async createOpen(i: NewIncident): Promise<IncidentRow | null> {
      try {
        return await db.incident.create({
          data: {
            ...i,
            openKey: i.fingerprint,
            state: 'open',
            affected: JSON.stringify(i.affected),
            facts: JSON.stringify(i.facts),
          },
        });
      } catch (err) {
        if ((err as { code?: unknown }).code === 'P2002') return null;
        throw err;
      }
    },

    findUnresolvedByKey: (fingerprint: string) => db.incident.findUnique({ where: { openKey: fingerprint } }),

    get: (id: string) => db.incident.findUnique({ where: { id } }),

    unresolved: () => db.incident.findMany({ where: { openKey: { not: null } }, orderBy: { firstSeenAt: 'asc' } }),

    /**
     * Folds newly seen failures into a stored incident (count as an increment: other instances add theirs), and
     * the facts this instance learnt since its last write over the stored ones.
     */
    async fold(
      id: string,
      f: {
        count: number;
        quarantined: number;
        lastSeenAt: Date;
        title: string;
        cause: string;
        affected: Affected;
        facts: IncidentFacts | null;
      },
    ): Promise<IncidentRow> {
      const row = await db.incident.findUniqueOrThrow({
        where: { id },
        select: { affected: true, lastSeenAt: true, facts: true },
      });
      const merged = mergeAffected(parseAffected(row.affected), f.affected);
      return db.incident.update({
        where: { id },
        data: {
          count: { increment: f.count },
          quarantined: { increment: f.quarantined },
          lastSeenAt: f.lastSeenAt > row.lastSeenAt ? f.lastSeenAt : row.lastSeenAt,
          title: f.title,
          cause: f.cause,
          affected: JSON.stringify(merged),
          ...(f.facts ? { facts: JSON.stringify({ ...parseFacts(row.facts), ...f.facts }) } : {}),
        },
      });
    },

    /** open → acknowledged; null when it is not open. */
    async acknowledge(id: string, by: string, note: string | null, at: Date): Promise<IncidentRow | null> {
      const n = await db.incident.updateMany({
        where: { id, state: 'open' },
        data: { state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by, ...(note !== null ? { note } : {}) },
      });
      return n.count === 1 ? db.incident.findUnique({ where: { id } }) : null;
    },

    /** open or acknowledged → resolved (by an operator, or "auto"); null when it was resolved already. */
    async resolve(id: string, by: string, note: string | null, at: Date): Promise<IncidentRow | null> {
      const n = await db.incident.updateMany({
        where: { id, state: { not: 'resolved' } },
        data: { state: 'resolved', resolvedAt: at, resolvedBy: by, openKey: null, ...(note !== null ? { note } : {}) },
      });
      return n.count === 1 ? db.incident.findUnique({ where: { id } }) : null;
    },

    /** Claims the next reminder: true for the one instance that moved lastAlertAt (it sends the alert). */
    async claimReminder(id: string, dueBefore: Date, at: Date): Promise<boolean> {
      const n = await db.incident.updateMany({
        where: { id, state: 'open', OR: [{ lastAlertAt: null }, { lastAlertAt: { lt: dueBefore } }] },
        data: { lastAlertAt: at },
      });
      return n.count === 1;
    },

    async list(state: IncidentState | undefined, cursor: [string, string] | null, limit: number) {
      const rows = await db.incident.findMany({
        where: {
          ...(state ? { state } : {}),
          ...(cursor
            ? {
                OR: [
                  { firstSeenAt: { lt: new Date(cursor[0]) } },
                  { firstSeenAt: new Date(cursor[0]), id: { lt: cursor[1] } },
                ],
              }
            : {}),
        },
        orderBy: [{ firstSeenAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      return toPage(rows, limit, toIncidentSummary, (r) => [r.firstSeenAt.toISOString(), r.id]);
    },

    countOpen: () => db.incident.count({ where: { state: 'open' } }),

    addAlerts: (alerts: NewAlert[]) => db.incidentAlert.createMany({ data: alerts }),

    async alertsOf(incidentId: string, limit = 200): Promise<IncidentAlertDto[]> {
      const rows = await db.incidentAlert.findMany({ where: { incidentId }, orderBy: { id: 'desc' }, take: limit });
      return rows.map(toAlertDto);
    },

    async lastAlertOf(channel: AlertChannelName): Promise<IncidentAlertDto | null> {
      const row = await db.incidentAlert.findFirst({ where: { channel }, orderBy: { id: 'desc' } });
      return row ? toAlertDto(row) : null;
    },
  };
}

export type IncidentsRepository = ReturnType<typeof createIncidentsRepository>;

export function mergeAffected(a: Affected, b: Affected): Affected {
  const events = new Map(a.events.map((e) => [e.id, e]));
  let newEvents = 0;
  for (const e of b.events) {
    if (events.has(e.id)) continue;
    newEvents++;
    if (events.size < AFFECTED_CAP) events.set(e.id, e);
  }
  const deliveries = new Set(a.deliveryIds);
  const newDeliveries = b.deliveryIds.filter((d) => !deliveries.has(d)).length;
  for (const d of b.deliveryIds) if (deliveries.size < AFFECTED_CAP) deliveries.add(d);
  const users = new Set(a.userIds);
  const newUsers = b.userIds.filter((u) => !users.has(u)).length;
  for (const u of b.userIds) if (users.size < AFFECTED_CAP) users.add(u);
  // Refs past the delta's own cap were not listed: counted as new.
  return {
    events: [...events.values()],
    deliveryIds: [...deliveries],
    userIds: [...users],
    totals: {
      events: a.totals.events + newEvents + (b.totals.events - b.events.length),
      deliveries: a.totals.deliveries + newDeliveries + (b.totals.deliveries - b.deliveryIds.length),
      users: a.totals.users + newUsers + (b.totals.users - b.userIds.length),
    },
  };
}

export function toIncidentSummary(r: IncidentRow): IncidentSummary {
  const affected = parseAffected(r.affected);
  return {
    id: r.id,
    kind: r.kind as IncidentKind,
    fingerprint: r.fingerprint,
    title: r.title,
    cause: r.cause,
    state: r.state as IncidentState,
    firstSeenAt: r.firstSeenAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    count: r.count,
    quarantined: r.quarantined,
    affectedCounts: affected.totals,
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: r.acknowledgedBy,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    resolvedBy: r.resolvedBy,
    note: r.note,
  };
}

function toAlertDto(r: AlertRow): IncidentAlertDto {
  return {
    id: r.id,
    incidentId: r.incidentId,
    channel: r.channel as AlertChannelName,
    kind: r.kind as AlertKind,
    status: r.status as 'sent' | 'failed',
    attempts: r.attempts,
    error: r.error,
    at: r.at.toISOString(),
  };
}

// What retention and privacy purges need from storage: small, bounded statements (ids first, then the change
// by id) so a purge never holds the write lock for long while webhooks arrive. The statements on the users,
// sessions, events and deliveries tables live with those tables; the purge counters are retention's own.
import type { DbClient } from '../lib/db/client.ts';
import { createDeliveriesRepository } from '../deliveries/deliveries.repository.ts';
import { createEventsRepository } from '../events/events.repository.ts';
import { createSessionsRepository } from '../sessions/sessions.repository.ts';
import { createUsersRepository } from '../users/users.repository.ts';
import { createMembershipsRepository } from '../organizations/memberships.repository.ts';
import { createInvitationsRepository } from '../organizations/invitations.repository.ts';
import { ORGANIZATION_INVITATION_EVENT_TYPES } from '../clerk/clerk-json.ts';

export const PURGE_KINDS = ['deliveries', 'payloads', 'users'] as const;
export type PurgeKind = (typeof PURGE_KINDS)[number];

export function createRetentionRepository(db: DbClient) {
  const deliveries = createDeliveriesRepository(db);
  const events = createEventsRepository(db);
  const sessions = createSessionsRepository(db);
  const users = createUsersRepository(db);
  const memberships = createMembershipsRepository(db);
  const invitations = createInvitationsRepository(db);
  return {
    oldDeliveryIds: deliveries.idsReceivedBefore,
    deleteDeliveries: deliveries.deleteByIds,
    oldPayloadEventIds: events.idsWithPayloadReceivedBefore,
    blankEventPayloads: events.purgePayloads,

    // ---- one user's stored payloads ----
    userEvents: events.idsOfUser,
    blankDeliveryBodies: deliveries.purgeBodies,
    blankSessions: sessions.purgeDataOfUser,
    findUser: users.deletionState,
    clearTombstone: users.clearTombstone,
    /**
     * The user's email addresses, from every place that still knows them: their held version, the invitations
     * they accepted, their memberships' identifiers. Read before any of them is erased.
     */
    async userEmails(userId: string): Promise<string[]> {
      const [own, accepted, identifiers] = await Promise.all([
        users.emailAddressesOf(userId),
        invitations.emailsAcceptedBy(userId),
        memberships.identifiersOfUser(userId),
      ]);
      return [...new Set([...own, ...accepted, ...identifiers.filter((i) => i.includes('@'))])];
    },
    eraseMemberships: memberships.erasePublicUserData,
    eraseInvitations: invitations.eraseForUser,
    /** The events of these invitations (they carry the address the invitation was sent to). */
    invitationEvents: (invitationIds: string[]) =>
      events.idsOfObjects(ORGANIZATION_INVITATION_EVENT_TYPES, invitationIds),
    /** Deleted users that still hold personal data or stored payloads (the sweep's work list). */
    async deletedUsersToPurge(limit: number): Promise<string[]> {
      const withFields = await users.deletedWithPersonalFields(limit);
      const withPayloads = await events.deletedUsersWithPayloads(limit);
      const inMemberships = await memberships.deletedUsersWithPersonalData(limit);
      return [...new Set([...withFields, ...withPayloads, ...inMemberships])];
    },

    // ---- counters ----
    async addToCounter(kind: PurgeKind, n: number, at: Date): Promise<void> {
      if (n <= 0) return;
      await db.purgeCounter.upsert({
        where: { kind },
        create: { kind, count: n, lastAt: at },
        update: { count: { increment: n }, lastAt: at },
      });
    },
    async counters(): Promise<Record<PurgeKind, { count: number; lastAt: Date | null }>> {
      const rows = await db.purgeCounter.findMany();
      const out = Object.fromEntries(PURGE_KINDS.map((k) => [k, { count: 0, lastAt: null as Date | null }])) as Record<
        PurgeKind,
        { count: number; lastAt: Date | null }
      >;
      for (const r of rows)
        if ((PURGE_KINDS as readonly string[]).includes(r.kind))
          out[r.kind as PurgeKind] = { count: r.count, lastAt: r.lastAt };
      return out;
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;

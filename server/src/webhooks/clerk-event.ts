// Step 1b: after verification, check the JSON is a Clerk event (Clerk's webhook OpenAPI spec). Only the fields the
// projection relies on are checked: they are picked from Clerk's wire schemas (clerk/clerk-json.ts) and bounded so a
// hostile sender cannot exceed the columns they land in. Everything else is kept verbatim in the stored payload
// (the event is stored from the raw body, not from these results, so they drop what they do not check).
import { z } from 'zod';
import { AppError } from '../lib/errors.ts';
import {
  ClerkDeletedOrganizationSchema,
  ClerkDeletedUserSchema,
  ClerkEventSchema,
  ClerkOrganizationInvitationSchema,
  ClerkOrganizationMembershipSchema,
  ClerkOrganizationSchema,
  ClerkSessionSchema,
  ClerkUserSchema,
  ORGANIZATION_INVITATION_EVENT_TYPES,
  SESSION_EVENT_TYPES,
  envelopeTimestampMs,
  nestedOrganizationIdOf,
  nestedUserIdOf,
} from '../clerk/clerk-json.ts';

const objectId = z.string().min(1).max(200);

// Clerk always sends object, timestamp and instance_id; a missing timestamp falls back to the receive time.
const Envelope = ClerkEventSchema.pick({ type: true, data: true, object: true, timestamp: true, instance_id: true })
  .partial({ object: true, timestamp: true, instance_id: true })
  .extend({ type: z.string().min(1).max(200) })
  .strip();

const UserData = ClerkUserSchema.pick({ id: true, updated_at: true, created_at: true })
  .partial({ created_at: true })
  .extend({ id: objectId })
  .strip();
const DeletedUserData = ClerkDeletedUserSchema.pick({ id: true, deleted: true }).extend({ id: objectId }).strip();
// Any status, not only the spec's enum: an event carrying a status Clerk adds later is still applied, not rejected.
const SessionData = ClerkSessionSchema.pick({ id: true, user_id: true, status: true, updated_at: true })
  .extend({ id: objectId, user_id: objectId, status: z.string().min(1).max(50) })
  .strip();

const OrganizationData = ClerkOrganizationSchema.pick({ id: true, name: true, slug: true, updated_at: true })
  .extend({ id: objectId })
  .strip();
const DeletedOrganizationData = ClerkDeletedOrganizationSchema.pick({ id: true, deleted: true, slug: true })
  .extend({ id: objectId, slug: z.string().max(1000).optional() })
  .strip();
// The embedded organization is only required to name its id here; as a version of the organization it is checked
// apart (OrganizationData), like a session's embedded user.
const MembershipData = ClerkOrganizationMembershipSchema.pick({
  id: true,
  role: true,
  permissions: true,
  updated_at: true,
  organization: true,
  public_user_data: true,
})
  .extend({
    id: objectId,
    role: z.string().min(1).max(200),
    permissions: z.array(z.string().max(200)).max(1000),
    organization: z.looseObject({ id: objectId }),
    public_user_data: z.looseObject({ user_id: objectId }).optional(),
  })
  .strip();
// Any status string, like sessions; absent (the spec has it optional), the event type says it.
const InvitationData = ClerkOrganizationInvitationSchema.pick({
  id: true,
  role: true,
  organization_id: true,
  status: true,
  updated_at: true,
})
  .extend({
    id: objectId,
    role: z.string().min(1).max(200),
    organization_id: objectId.optional(),
    status: z.string().min(1).max(50).optional(),
  })
  .strip();

const INVITATION_STATUS_OF_TYPE: Record<string, string> = {
  'organizationInvitation.created': 'pending',
  'organizationInvitation.accepted': 'accepted',
  'organizationInvitation.revoked': 'revoked',
};

/** The envelope as read; `timestamp` is always epoch milliseconds here, whichever unit Clerk sent. */
export type ClerkEnvelope = z.infer<typeof Envelope>;

/** A user version: from user.created / user.updated, or embedded in a session event. */
export interface UserVersion {
  userId: string;
  updatedAt: Date;
  data: Record<string, unknown>;
}

/** An organization version: from organization.created / .updated, or embedded in a membership event. */
export interface OrganizationVersion {
  organizationId: string;
  updatedAt: Date;
  data: Record<string, unknown>;
}

export type ParsedEvent =
  | ({ kind: 'user.upsert'; type: string; envelope: ClerkEnvelope } & UserVersion)
  | { kind: 'user.delete'; type: string; userId: string; deletedAt: Date; envelope: ClerkEnvelope }
  | {
      kind: 'session.upsert';
      type: string;
      sessionId: string;
      userId: string;
      status: string;
      updatedAt: Date;
      /** the session without its embedded user (that is applied to the user, not stored in every session row) */
      data: Record<string, unknown>;
      /** the user the event embeds (`data.user`), when it is one of this session's user */
      user: UserVersion | null;
      envelope: ClerkEnvelope;
    }
  | ({ kind: 'organization.upsert'; type: string; userId: null; envelope: ClerkEnvelope } & OrganizationVersion)
  | {
      kind: 'organization.delete';
      type: string;
      organizationId: string;
      slug: string | null;
      deletedAt: Date;
      userId: null;
      envelope: ClerkEnvelope;
    }
  | {
      /** upsert: organizationMembership.created / .updated; delete: organizationMembership.deleted */
      kind: 'membership.upsert' | 'membership.delete';
      type: string;
      membershipId: string;
      organizationId: string;
      /** the member (public_user_data.user_id), when Clerk names one */
      userId: string | null;
      updatedAt: Date;
      /** the envelope's time: when a deletion happened */
      occurredAt: Date;
      /** the membership without its embedded organization (that is applied to the organization) */
      data: Record<string, unknown>;
      /** the organization the event embeds, when it is one of this membership's organization */
      organization: OrganizationVersion | null;
      envelope: ClerkEnvelope;
    }
  | {
      kind: 'invitation.upsert';
      type: string;
      invitationId: string;
      organizationId: string | null;
      /** the user the event names (who accepted it, else who sent it): links the event to a timeline */
      userId: string | null;
      /** Clerk's status of this version (from the data, else from the event type) */
      status: string;
      updatedAt: Date;
      data: Record<string, unknown>;
      envelope: ClerkEnvelope;
    }
  | {
      kind: 'not_projected';
      type: string;
      objectId: string | null;
      userId: string | null;
      organizationId: string | null;
      envelope: ClerkEnvelope;
    };

export const SESSION_TYPES: ReadonlySet<string> = new Set(SESSION_EVENT_TYPES);
const INVITATION_TYPES: ReadonlySet<string> = new Set(ORGANIZATION_INVITATION_EVENT_TYPES);

/** Throws AppError 400 `invalid_event` naming the first problem. `receivedAt` stands in for a missing envelope time. */
export function parseClerkEvent(json: unknown, receivedAt: Date): ParsedEvent {
  const read = parse(Envelope, json, 'a Clerk event envelope ({ type, data })');
  const envelope = read.timestamp !== undefined ? { ...read, timestamp: envelopeTimestampMs(read.timestamp) } : read;
  const { type, data } = envelope;
  const occurred = envelope.timestamp !== undefined ? new Date(envelope.timestamp) : receivedAt;

  if (type === 'user.created' || type === 'user.updated') {
    const d = parse(UserData, data, `${type} data`);
    return { kind: 'user.upsert', type, userId: d.id, updatedAt: new Date(d.updated_at), data, envelope };
  }
  if (type === 'user.deleted') {
    const d = parse(DeletedUserData, data, 'user.deleted data');
    return { kind: 'user.delete', type, userId: d.id, deletedAt: occurred, envelope };
  }
  if (SESSION_TYPES.has(type)) {
    const d = parse(SessionData, data, `${type} data`);
    const { user: embedded, ...session } = data;
    // The embedded user is a version of the session's user like any other; one that is not (or is not a user at
    // all) is left out rather than refusing the session event it came with. It stays in the stored payload.
    const u = UserData.safeParse(embedded);
    const user =
      u.success && u.data.id === d.user_id
        ? { userId: u.data.id, updatedAt: new Date(u.data.updated_at), data: embedded as Record<string, unknown> }
        : null;
    return {
      kind: 'session.upsert',
      type,
      sessionId: d.id,
      userId: d.user_id,
      status: d.status,
      updatedAt: new Date(d.updated_at),
      data: session,
      user,
      envelope,
    };
  }
  if (type === 'organization.created' || type === 'organization.updated') {
    const d = parse(OrganizationData, data, `${type} data`);
    return {
      kind: 'organization.upsert',
      type,
      organizationId: d.id,
      updatedAt: new Date(d.updated_at),
      data,
      userId: null,
      envelope,
    };
  }
  if (type === 'organization.deleted') {
    const d = parse(DeletedOrganizationData, data, 'organization.deleted data');
    return {
      kind: 'organization.delete',
      type,
      organizationId: d.id,
      slug: d.slug ?? null,
      deletedAt: occurred,
      userId: null,
      envelope,
    };
  }
  if (
    type === 'organizationMembership.created' ||
    type === 'organizationMembership.updated' ||
    type === 'organizationMembership.deleted'
  ) {
    const d = parse(MembershipData, data, `${type} data`);
    const { organization: embedded, ...membership } = data;
    // Like a session's user: an embedded organization that is not a version of this one is left out, not refused.
    const o = OrganizationData.safeParse(embedded);
    const organization =
      o.success && o.data.id === d.organization.id
        ? {
            organizationId: o.data.id,
            updatedAt: new Date(o.data.updated_at),
            data: embedded as Record<string, unknown>,
          }
        : null;
    return {
      kind: type === 'organizationMembership.deleted' ? 'membership.delete' : 'membership.upsert',
      type,
      membershipId: d.id,
      organizationId: d.organization.id,
      userId: d.public_user_data?.user_id ?? null,
      updatedAt: new Date(d.updated_at),
      occurredAt: occurred,
      data: membership,
      organization,
      envelope,
    };
  }
  if (INVITATION_TYPES.has(type)) {
    const d = parse(InvitationData, data, `${type} data`);
    return {
      kind: 'invitation.upsert',
      type,
      invitationId: d.id,
      organizationId: d.organization_id ?? null,
      userId: nestedUserIdOf(data)?.slice(0, 200) ?? null,
      status: d.status ?? INVITATION_STATUS_OF_TYPE[type]!,
      updatedAt: new Date(d.updated_at),
      data,
      envelope,
    };
  }
  // Every other Clerk type is stored and acknowledged but not projected (CLERK.md §3); the user it names
  // (at whatever depth its schema puts it) links it to that user's timeline, search and purge, and the
  // organization it names (organizationDomain.*) to that organization's timeline.
  const objectId = typeof data.id === 'string' ? data.id.slice(0, 200) : null;
  const userId = nestedUserIdOf(data)?.slice(0, 200) ?? null;
  const organizationId = nestedOrganizationIdOf(data)?.slice(0, 200) ?? null;
  return { kind: 'not_projected', type, objectId, userId, organizationId, envelope };
}

export function eventObjectId(e: ParsedEvent): string | null {
  switch (e.kind) {
    case 'user.upsert':
    case 'user.delete':
      return e.userId;
    case 'session.upsert':
      return e.sessionId;
    case 'organization.upsert':
    case 'organization.delete':
      return e.organizationId;
    case 'membership.upsert':
    case 'membership.delete':
      return e.membershipId;
    case 'invitation.upsert':
      return e.invitationId;
    case 'not_projected':
      return e.objectId;
  }
}

export function eventUserId(e: ParsedEvent): string | null {
  return e.userId;
}

/** The organization the event concerns: its timeline (Event.organizationId). */
export function eventOrganizationId(e: ParsedEvent): string | null {
  switch (e.kind) {
    case 'user.upsert':
    case 'user.delete':
    case 'session.upsert':
      return null;
    default:
      return e.organizationId;
  }
}

/**
 * What applying the event writes: its object, the user a session event's embedded user may update, and the
 * organization of a membership or invitation (its version, its deletion and its members' and invitations' ends
 * are written under that key, so a deletion and a late membership cannot interleave).
 */
export function eventLockKeys(e: ParsedEvent): string[] {
  const object = eventObjectId(e);
  const keys = object === null ? [] : [object];
  if (e.kind === 'session.upsert' && e.user) keys.push(e.user.userId);
  if (
    (e.kind === 'membership.upsert' || e.kind === 'membership.delete' || e.kind === 'invitation.upsert') &&
    e.organizationId
  )
    keys.push(e.organizationId);
  return keys;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new AppError('invalid_event', 400, `Not ${what}: ${issue.message}${where}`);
}

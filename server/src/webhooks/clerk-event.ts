// Step 1b: after verification, check the JSON is a Clerk event (Clerk's webhook OpenAPI spec). Only the fields the
// projection relies on are checked: they are picked from Clerk's wire schemas (clerk/clerk-json.ts) and bounded so a
// hostile sender cannot exceed the columns they land in. Everything else is kept verbatim in the stored payload
// (the event is stored from the raw body, not from these results, so they drop what they do not check).
import { z } from 'zod';
import { AppError } from '../lib/errors.ts';
import {
  ClerkDeletedUserSchema,
  ClerkEventSchema,
  ClerkSessionSchema,
  ClerkUserSchema,
  SESSION_EVENT_TYPES,
  envelopeTimestampMs,
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

/** The envelope as read; `timestamp` is always epoch milliseconds here, whichever unit Clerk sent. */
export type ClerkEnvelope = z.infer<typeof Envelope>;

/** A user version: from user.created / user.updated, or embedded in a session event. */
export interface UserVersion {
  userId: string;
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
  | { kind: 'not_projected'; type: string; objectId: string | null; userId: string | null; envelope: ClerkEnvelope };

export const SESSION_TYPES: ReadonlySet<string> = new Set(SESSION_EVENT_TYPES);

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
  // Every other Clerk type is stored and acknowledged but not projected (CLERK.md §3); the user it names
  // (at whatever depth its schema puts it) links it to that user's timeline, search and purge.
  const objectId = typeof data.id === 'string' ? data.id.slice(0, 200) : null;
  const userId = nestedUserIdOf(data)?.slice(0, 200) ?? null;
  return { kind: 'not_projected', type, objectId, userId, envelope };
}

export function eventObjectId(e: ParsedEvent): string | null {
  switch (e.kind) {
    case 'user.upsert':
    case 'user.delete':
      return e.userId;
    case 'session.upsert':
      return e.sessionId;
    case 'not_projected':
      return e.objectId;
  }
}

export function eventUserId(e: ParsedEvent): string | null {
  return e.userId;
}

/** What applying the event writes: its object, and the user a session event's embedded user may update. */
export function eventLockKeys(e: ParsedEvent): string[] {
  const object = eventObjectId(e);
  const keys = object === null ? [] : [object];
  if (e.kind === 'session.upsert' && e.user) keys.push(e.user.userId);
  return keys;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new AppError('invalid_event', 400, `Not ${what}: ${issue.message}${where}`);
}

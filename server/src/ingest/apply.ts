// Apply: what a verified event does to the local copy, inside the ingest store's transaction. The pure rules
// (sync/rules.ts) decide from the version held; the reads and writes are the tables' own (`usersSql` in
// users/users.repository.ts, `sessionsSql` in sessions/sessions.repository.ts).
import type { EventOutcome, UserSummary } from '../contract.ts';
import type { SqlTx } from '../lib/db/sql.ts';
import type { ParsedEvent, UserVersion } from '../webhooks/clerk-event.ts';
import { decideSessionVersion, decideUserDeletion, decideUserVersion } from '../sync/rules.ts';
import { diffUsers } from '../resync/diff.ts';
import { usersSql } from '../users/users.repository.ts';
import { sessionsSql } from '../sessions/sessions.repository.ts';

export interface Applied {
  outcome: EventOutcome;
  /** the local user after the change, when one changed (the live push sends it) */
  user: UserSummary | null;
  /** a user whose held version and an incoming one disagree at the same updated_at: resync it from Clerk */
  resyncUserId: string | null;
}

/** A user version through the ordering rules: applied when newer; at a tie, the same content is a duplicate. */
async function applyUserVersion(
  tx: SqlTx,
  v: UserVersion,
  svixId: string,
): Promise<{ outcome: EventOutcome; user: UserSummary | null }> {
  const held = await usersSql.heldVersion(tx, v.userId);
  let heldData: Record<string, unknown> | null = null;
  if (held && !held.deleted && held.clerkUpdatedAt?.getTime() === v.updatedAt.getTime()) {
    // Only a tie reads the held JSON. Content, not bytes: the Backend API's JSON and a webhook's for the same
    // version need not be byte-identical, and volatile fields (last_active_at, …) do not make a new version.
    const text = await usersSql.heldData(tx, v.userId);
    heldData = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  }
  const decision = decideUserVersion(
    held,
    v.updatedAt,
    () => heldData !== null && diffUsers(heldData, v.data).length === 0,
  );
  if (decision !== 'apply') return { outcome: decision, user: null };
  return { outcome: 'applied', user: await usersSql.put(tx, v.data, svixId) };
}

export async function applyEvent(tx: SqlTx, e: ParsedEvent, svixId: string): Promise<Applied> {
  switch (e.kind) {
    case 'user.upsert': {
      const r = await applyUserVersion(tx, e, svixId);
      return { ...r, resyncUserId: r.outcome === 'conflict' ? e.userId : null };
    }
    case 'user.delete': {
      const decision = decideUserDeletion(await usersSql.heldVersion(tx, e.userId));
      if (decision !== 'apply') return { outcome: decision, user: null, resyncUserId: null };
      return {
        outcome: 'applied',
        user: await usersSql.tombstone(tx, e.userId, e.deletedAt, svixId),
        resyncUserId: null,
      };
    }
    case 'session.upsert': {
      // The embedded user is a version of its own: it goes through the user rules whatever the session's fate.
      const embedded = e.user ? await applyUserVersion(tx, e.user, svixId) : null;
      const resyncUserId = embedded?.outcome === 'conflict' ? e.userId : null;
      const user = embedded?.user ?? null;
      const decision = decideSessionVersion(await sessionsSql.heldVersion(tx, e.sessionId), e.updatedAt, e.status);
      if (decision !== 'apply') return { outcome: decision, user, resyncUserId };
      await sessionsSql.put(tx, e.data, svixId);
      return { outcome: 'applied', user, resyncUserId };
    }
    case 'not_projected':
      return { outcome: 'not_projected', user: null, resyncUserId: null };
  }
}

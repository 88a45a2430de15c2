// Apply: what a verified event does to the local copy, inside the ingest store's transaction. The pure rules
// (sync/rules.ts) decide from the version held; the reads and writes are the tables' own (`usersSql` in
// users/users.repository.ts, `sessionsSql` in sessions/sessions.repository.ts).
import type { EventOutcome, UserSummary } from '../contract.ts';
import type { SqlTx } from '../lib/db/sql.ts';
import type { ParsedEvent } from '../webhooks/clerk-event.ts';
import { decideSessionVersion, decideUserDeletion, decideUserVersion } from '../sync/rules.ts';
import { usersSql } from '../users/users.repository.ts';
import { sessionsSql } from '../sessions/sessions.repository.ts';

export interface Applied {
  outcome: EventOutcome;
  /** the local user after the change, when one changed (the live push sends it) */
  user: UserSummary | null;
}

export async function applyEvent(tx: SqlTx, e: ParsedEvent, svixId: string): Promise<Applied> {
  switch (e.kind) {
    case 'user.upsert': {
      const decision = decideUserVersion(await usersSql.heldVersion(tx, e.userId), e.updatedAt);
      if (decision !== 'apply') return { outcome: decision, user: null };
      return { outcome: 'applied', user: await usersSql.put(tx, e.data, svixId) };
    }
    case 'user.delete': {
      const decision = decideUserDeletion(await usersSql.heldVersion(tx, e.userId));
      if (decision !== 'apply') return { outcome: decision, user: null };
      return { outcome: 'applied', user: await usersSql.tombstone(tx, e.userId, e.deletedAt, svixId) };
    }
    case 'session.upsert': {
      const decision = decideSessionVersion(await sessionsSql.heldVersion(tx, e.sessionId), e.updatedAt);
      if (decision !== 'apply') return { outcome: decision, user: null };
      await sessionsSql.put(tx, e.data, svixId);
      return { outcome: 'applied', user: null };
    }
    case 'not_projected':
      return { outcome: 'not_projected', user: null };
  }
}

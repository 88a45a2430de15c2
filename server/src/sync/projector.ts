// Step 3 of the pipeline: apply a verified event to the local copy, inside the caller's transaction,
// by the ordering rules in rules.ts.
import type { EventOutcome } from '../contract.ts';
import type { Repositories } from '../lib/unit-of-work.ts';
import type { ParsedEvent } from '../webhooks/clerk-event.ts';
import { decideSessionVersion, decideUserDeletion, decideUserVersion, type Decision } from './rules.ts';

export interface ApplyResult {
  outcome: EventOutcome;
  /** the local user whose row changed, for the live push */
  userChanged: string | null;
}

export type Projector = (repos: Repositories, event: ParsedEvent, svixId: string) => Promise<ApplyResult>;

const skipped = (d: Exclude<Decision, 'apply'>): ApplyResult => ({ outcome: d, userChanged: null });

export const project: Projector = async (repos, e, svixId) => {
  switch (e.kind) {
    case 'user.upsert': {
      const decision = decideUserVersion(await repos.users.findVersion(e.userId), e.updatedAt);
      if (decision !== 'apply') return skipped(decision);
      await repos.users.putVersion(e.data, { svixId, source: 'webhook' });
      return { outcome: 'applied', userChanged: e.userId };
    }
    case 'user.delete': {
      const decision = decideUserDeletion(await repos.users.findVersion(e.userId));
      if (decision !== 'apply') return skipped(decision);
      await repos.users.tombstone(e.userId, e.deletedAt, { svixId, source: 'webhook' });
      return { outcome: 'applied', userChanged: e.userId };
    }
    case 'session.upsert': {
      const decision = decideSessionVersion(await repos.sessions.findVersion(e.sessionId), e.updatedAt);
      if (decision !== 'apply') return skipped(decision);
      await repos.sessions.putVersion(e.data, svixId);
      return { outcome: 'applied', userChanged: null };
    }
    case 'not_projected':
      return { outcome: 'not_projected', userChanged: null };
  }
};

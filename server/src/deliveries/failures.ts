// Failed deliveries grouped by message (svix-id), the way Svix and Hookdeck show a message and its attempts.
// A message is outstanding while no attempt applied it (never acknowledged, or acknowledged but its apply
// failed), recovered once a later attempt (a Svix retry or a replay) did. Requests whose signature did not
// verify are not Clerk's messages: they are counted apart, never grouped here.
import type { DeliverySummary, FailedMessage, FailureState, FailuresPage } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';

/** How many recent failed attempts are examined: an operator's view, not an archive. */
export const FAILED_ATTEMPTS_EXAMINED = 5000;

/** Outcomes that mean an attempt was taken in: the event is held and applied (or knowingly not needed). */
const TAKEN_IN = new Set(['applied', 'stale', 'duplicate', 'not_projected']);

interface EventFacts {
  outcome: string;
  userId: string | null;
  type: string;
}

/** One message's state from its attempts (oldest first) and its stored event, if any. */
export function classifyMessage(
  svixId: string,
  attempts: readonly DeliverySummary[],
  event: EventFacts | undefined,
): Omit<FailedMessage, 'userLabel'> | null {
  const firstFailure = attempts.find((a) => a.failed);
  if (!firstFailure) return null;
  // The event's stored outcome is the truth of "was it applied": a later attempt answered 200 but the
  // event row still says failed cannot happen, and a replay that failed again leaves it failed.
  const applied = event !== undefined && event.outcome !== 'failed';
  const recovery = applied
    ? attempts.find((a) => a.id > firstFailure.id && !a.failed && TAKEN_IN.has(a.outcome))
    : undefined;
  const state: FailureState = recovery ? 'recovered' : 'outstanding';
  const last = attempts.at(-1)!;
  const lastFailure = [...attempts].reverse().find((a) => a.failed)!;
  return {
    svixId,
    eventType: event?.type ?? firstFailure.eventType,
    userId: event?.userId ?? null,
    state,
    firstFailedAt: firstFailure.receivedAt,
    lastAttemptAt: last.receivedAt,
    recoveredBy: recovery
      ? {
          deliveryId: recovery.id,
          at: recovery.receivedAt,
          afterMs: Date.parse(recovery.receivedAt) - Date.parse(firstFailure.receivedAt),
          replay: recovery.replayOf !== null,
        }
      : null,
    lastError: lastFailure.error ?? lastFailure.errorCode,
    attempts: [...attempts],
  };
}

export function createFailuresService(deps: { repos: Repositories; examined?: number }) {
  const { repos } = deps;
  const examined = deps.examined ?? FAILED_ATTEMPTS_EXAMINED;

  /** The messages of these svix-ids, classified from all their verified attempts and their stored events. */
  async function classifyAll(svixIds: readonly string[]): Promise<Omit<FailedMessage, 'userLabel'>[]> {
    const [attempts, events] = await Promise.all([
      repos.deliveries.attemptsOf(svixIds),
      repos.events.outcomesBySvixId(svixIds),
    ]);
    const bySvix = new Map<string, DeliverySummary[]>();
    for (const a of attempts) {
      const list = bySvix.get(a.svixId!) ?? [];
      list.push(a);
      bySvix.set(a.svixId!, list);
    }
    const eventOf = new Map(events.map((e) => [e.svixId, e]));
    const out: Omit<FailedMessage, 'userLabel'>[] = [];
    for (const id of svixIds) {
      // attempts of a message that failed verification (a forged copy of a real svix-id) are not its attempts
      const m = classifyMessage(
        id,
        (bySvix.get(id) ?? []).filter((a) => a.verified),
        eventOf.get(id),
      );
      if (m) out.push(m);
    }
    return out;
  }

  async function messages(): Promise<{ messages: Omit<FailedMessage, 'userLabel'>[]; truncated: boolean }> {
    const failed = await repos.deliveries.failedVerified(examined + 1);
    const truncated = failed.length > examined;
    const svixIds = [...new Set(failed.slice(0, examined).map((f) => f.svixId))];
    if (svixIds.length === 0) return { messages: [], truncated };
    return { messages: await classifyAll(svixIds), truncated };
  }

  return {
    /**
     * Every outstanding message's svix-id, however many failed attempts there are (the view above examines the
     * newest only): a bulk replay of outstanding messages takes them all. Read `examined` failed attempts at a time.
     */
    async outstandingSvixIds(): Promise<Set<string>> {
      const outstanding = new Set<string>();
      const classified = new Set<string>();
      let before: number | undefined;
      for (;;) {
        const failed = await repos.deliveries.failedVerified(examined, before);
        if (failed.length === 0) break;
        before = failed.at(-1)!.id;
        const fresh = [...new Set(failed.map((f) => f.svixId))].filter((id) => !classified.has(id));
        for (const id of fresh) classified.add(id);
        for (const m of await classifyAll(fresh)) if (m.state === 'outstanding') outstanding.add(m.svixId);
        if (failed.length < examined) break;
      }
      return outstanding;
    },

    /** The failed messages in one state (or both), latest attempt first, with their attempts and counts. */
    async list(state: FailureState | 'all', limit: number): Promise<FailuresPage> {
      const [{ messages: all, truncated }, unsigned] = await Promise.all([
        messages(),
        repos.deliveries.countUnverified(),
      ]);
      const picked = all
        .filter((m) => state === 'all' || m.state === state)
        .sort((a, b) => b.lastAttemptAt.localeCompare(a.lastAttemptAt))
        .slice(0, limit);
      const labels = await repos.users.labels([
        ...new Set(picked.map((m) => m.userId).filter((id): id is string => id !== null)),
      ]);
      return {
        items: picked.map((m) => ({ ...m, userLabel: m.userId ? (labels.get(m.userId) ?? null) : null })),
        outstanding: all.filter((m) => m.state === 'outstanding').length,
        recovered: all.filter((m) => m.state === 'recovered').length,
        unsigned,
        truncated,
      };
    },

    /** The overview's headline figures. */
    async counts(): Promise<{ outstanding: number; recovered: number; outstandingSvixIds: Set<string> }> {
      const { messages: all } = await messages();
      const outstanding = all.filter((m) => m.state === 'outstanding');
      return {
        outstanding: outstanding.length,
        recovered: all.length - outstanding.length,
        outstandingSvixIds: new Set(outstanding.map((m) => m.svixId)),
      };
    },
  };
}

export type FailuresService = ReturnType<typeof createFailuresService>;

// What can be replayed: a single delivery (the detail's Replay button), and which of the deliveries a bulk
// replay matched it takes — one attempt per message, verified, not applied yet. The dry run and the job
// (bulk-replay.ts, replay-job.ts) both decide with skipReason, so the figures confirmed are the ones reported.
import type { ReplaySkipReason } from '../contract.ts';
import type { DeliveryRow } from './deliveries.repository.ts';

/** Why a delivery cannot be replayed, or null. */
export function replayBlockedReason(row: DeliveryRow): string | null {
  if (!row.verified) {
    return 'Its signature did not verify, so the payload may be forged: only verified deliveries can be replayed.';
  }
  if (row.eventId === null && row.bodyTruncated)
    return 'Its stored body is truncated, so the exact payload is not available.';
  if (
    row.eventId === null &&
    (row.errorCode === 'invalid_event' || row.errorCode === 'invalid_json' || row.errorCode === 'json_too_deep')
  ) {
    return 'Its payload is not a Clerk event; replaying it would be refused again.';
  }
  if (row.eventId === null && !row.svixId) return 'It carries no svix-id.';
  return null;
}

/** Event outcomes after which a replay would change nothing: the event is applied (or knowingly not needed). */
const SETTLED = new Set(['applied', 'stale', 'duplicate', 'conflict', 'not_projected']);

/**
 * Why a bulk replay leaves this delivery alone, or null (then `seen` gets its message). `eventOutcomes` holds
 * the stored outcome of the page's messages; a failed or quarantined event is replayed.
 */
export function skipReason(
  row: DeliveryRow,
  seen: ReadonlySet<string>,
  eventOutcomes: ReadonlyMap<string, string>,
): ReplaySkipReason | null {
  if (!row.verified) return 'not_verified';
  if (row.replayOf !== null) return 'is_replay';
  if (replayBlockedReason(row) !== null || row.svixId === null) return 'payload_unavailable';
  // before the outcome: a message this replay already took is applied by now, but it is the same message
  if (seen.has(row.svixId)) return 'same_message';
  const outcome = eventOutcomes.get(row.svixId);
  if (outcome !== undefined && SETTLED.has(outcome)) return 'already_applied';
  return null;
}

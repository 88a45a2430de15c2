// The typed Socket.IO contract (`domain:verb`), imported type-only by the dashboard.
import type {
  BulkReplayJobDto,
  DeliverySummary,
  EventSummary,
  IncidentSummary,
  LiveStatus,
  OrganizationSummary,
  ReconcileRunDto,
  ResyncResult,
  UserSummary,
} from '../contract.ts';

/** Newest ids the client already holds; the server sends what came after, then continues live. */
export interface CatchUpRequest {
  lastEventId?: number;
  lastDeliveryId?: number;
}

export interface ServerToClientEvents {
  /** batched: the server groups messages over a few ms under bursts */
  'event:received': (events: EventSummary[]) => void;
  'delivery:recorded': (deliveries: DeliverySummary[]) => void;
  'user:changed': (users: UserSummary[]) => void;
  /** organizations whose own row, memberships or invitations changed (a summary each: refetch details you show) */
  'organization:changed': (organizations: OrganizationSummary[]) => void;
  'resync:finished': (result: ResyncResult) => void;
  /** a running reconcile's figures, at most a few times a second (also after a fix changed `unfixed`) */
  'reconcile:progress': (run: ReconcileRunDto) => void;
  /** a reconcile completed, failed, was cancelled or paused (status still running: it will resume) */
  'reconcile:finished': (run: ReconcileRunDto) => void;
  /** a running bulk replay's figures, at most a few times a second */
  'replay:progress': (job: BulkReplayJobDto) => void;
  /** a bulk replay completed, was cancelled or interrupted, or failed */
  'replay:finished': (job: BulkReplayJobDto) => void;
  /** an incident opened, grew, was acknowledged or resolved (at most once a second per incident) */
  'incident:changed': (incident: IncidentSummary) => void;
  /** what is wrong right now changed: an outage, silence, signature failures or Clerk throttling began or ended */
  'status:changed': (status: LiveStatus) => void;
}

export interface ClientToServerEvents {
  'feed:catch-up': (
    req: CatchUpRequest,
    ack: (res: {
      events: EventSummary[];
      deliveries: DeliverySummary[];
      truncated: boolean;
      /** over the per-connection limit (SOCKET_CATCH_UP_PER_MINUTE): nothing was read; reload the lists instead */
      rateLimited?: boolean;
    }) => void,
  ) => void;
}

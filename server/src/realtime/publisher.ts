// Step 4 of the pipeline: tell connected dashboards what was committed. Services call this interface;
// the Socket.IO implementation lives in socket.ts, tests can pass a recording fake.
import type {
  BulkReplayJobDto,
  DeliverySummary,
  EventSummary,
  LiveStatus,
  OrganizationSummary,
  ReconcileRunDto,
  ResyncResult,
  UserSummary,
} from '../contract.ts';

export interface Publisher {
  eventReceived(e: EventSummary): void;
  deliveryRecorded(d: DeliverySummary): void;
  userChanged(u: UserSummary): void;
  /** an organization, its memberships or its invitations changed */
  organizationChanged(o: OrganizationSummary): void;
  resyncFinished(r: ResyncResult): void;
  reconcileProgress(r: ReconcileRunDto): void;
  reconcileFinished(r: ReconcileRunDto): void;
  replayProgress(j: BulkReplayJobDto): void;
  replayFinished(j: BulkReplayJobDto): void;
  /** what is wrong right now changed (an outage began or ended) */
  statusChanged?(s: LiveStatus): void;
}

export const nullPublisher: Publisher = {
  eventReceived() {},
  deliveryRecorded() {},
  userChanged() {},
  organizationChanged() {},
  resyncFinished() {},
  reconcileProgress() {},
  reconcileFinished() {},
  replayProgress() {},
  replayFinished() {},
};

/** Collects everything published (tests). */
export function recordingPublisher() {
  const log = {
    events: [] as EventSummary[],
    deliveries: [] as DeliverySummary[],
    users: [] as UserSummary[],
    organizations: [] as OrganizationSummary[],
    resyncs: [] as ResyncResult[],
    reconcile: [] as ReconcileRunDto[],
    replayJobs: [] as BulkReplayJobDto[],
    status: [] as LiveStatus[],
  };
  const publisher: Publisher = {
    eventReceived: (e) => log.events.push(e),
    deliveryRecorded: (d) => log.deliveries.push(d),
    userChanged: (u) => log.users.push(u),
    organizationChanged: (o) => log.organizations.push(o),
    resyncFinished: (r) => log.resyncs.push(r),
    reconcileProgress: (r) => log.reconcile.push(r),
    reconcileFinished: (r) => log.reconcile.push(r),
    replayProgress: (j) => log.replayJobs.push(j),
    replayFinished: (j) => log.replayJobs.push(j),
    statusChanged: (s) => log.status.push(s),
  };
  return { publisher, log };
}

/** Sends everything to several publishers. */
export function fanOut(...targets: Publisher[]): Publisher {
  return {
    eventReceived: (e) => targets.forEach((t) => t.eventReceived(e)),
    deliveryRecorded: (d) => targets.forEach((t) => t.deliveryRecorded(d)),
    userChanged: (u) => targets.forEach((t) => t.userChanged(u)),
    organizationChanged: (o) => targets.forEach((t) => t.organizationChanged(o)),
    resyncFinished: (r) => targets.forEach((t) => t.resyncFinished(r)),
    reconcileProgress: (r) => targets.forEach((t) => t.reconcileProgress(r)),
    reconcileFinished: (r) => targets.forEach((t) => t.reconcileFinished(r)),
    replayProgress: (j) => targets.forEach((t) => t.replayProgress(j)),
    replayFinished: (j) => targets.forEach((t) => t.replayFinished(j)),
    statusChanged: (s) => targets.forEach((t) => t.statusChanged?.(s)),
  };
}

// Every React Query key in one place: the realtime layer (app/) and the features agree on them without
// importing each other.
import type {
  AuditAction,
  DeliveryOutcome,
  DriftClass,
  OrganizationFindingClass,
  EventOutcome,
  IncidentState,
  SyncStatus,
} from '@contract/contract.ts';

export interface EventFilters {
  type?: string;
  outcome?: EventOutcome;
  userId?: string;
  q?: string;
  from?: string;
  to?: string;
}

export interface DeliveryFilters {
  outcome?: DeliveryOutcome;
  status?: number;
  failed?: boolean;
}

export interface UserFilters {
  q?: string;
  status?: SyncStatus;
}

export interface OrganizationFilters {
  q?: string;
  status?: SyncStatus;
}

export interface AuditFilters {
  action?: AuditAction;
  actor?: string;
}

export interface IncidentFilters {
  state?: IncidentState;
}

export const queryKeys = {
  me: ['auth', 'me'] as const,
  meta: ['meta'] as const,
  overview: ['overview'] as const,
  live: ['live'] as const,
  failures: {
    all: ['failures'] as const,
    list: (state: string) => ['failures', state] as const,
  },
  events: {
    all: ['events'] as const,
    lists: ['events', 'list'] as const,
    list: (filters: EventFilters) => ['events', 'list', filters] as const,
    detail: (svixId: string) => ['events', 'detail', svixId] as const,
  },
  deliveries: {
    all: ['deliveries'] as const,
    lists: ['deliveries', 'list'] as const,
    list: (filters: DeliveryFilters) => ['deliveries', 'list', filters] as const,
    detail: (id: number) => ['deliveries', 'detail', id] as const,
  },
  /** the running bulk replay, else the last one: replay:progress and replay:finished keep it current */
  replayJobs: {
    latest: ['replay-jobs', 'latest'] as const,
  },
  users: {
    all: ['users'] as const,
    lists: ['users', 'list'] as const,
    list: (filters: UserFilters) => ['users', 'list', filters] as const,
    details: ['users', 'detail'] as const,
    detail: (id: string) => ['users', 'detail', id] as const,
    compare: (id: string) => ['users', 'compare', id] as const,
    timeline: (id: string) => ['users', 'timeline', id] as const,
  },
  organizations: {
    all: ['organizations'] as const,
    lists: ['organizations', 'list'] as const,
    list: (filters: OrganizationFilters) => ['organizations', 'list', filters] as const,
    detail: (id: string) => ['organizations', 'detail', id] as const,
    compare: (id: string) => ['organizations', 'compare', id] as const,
    timeline: (id: string) => ['organizations', 'timeline', id] as const,
  },
  reconcile: {
    all: ['reconcile'] as const,
    runs: ['reconcile', 'runs'] as const,
    run: (id: number) => ['reconcile', 'run', id] as const,
    findings: (id: number, driftClass?: DriftClass) => ['reconcile', 'findings', id, driftClass ?? 'all'] as const,
    /** organization or membership findings: under findingsOf(id) too */
    organizationFindings: (id: number, subject: 'organization' | 'membership', driftClass?: OrganizationFindingClass) =>
      ['reconcile', 'findings', id, subject, driftClass ?? 'all'] as const,
    findingsOf: (id: number) => ['reconcile', 'findings', id] as const,
    driftHistory: ['reconcile', 'drift-history'] as const,
  },
  audit: {
    all: ['audit'] as const,
    list: (filters: AuditFilters) => ['audit', 'list', filters] as const,
  },
  admin: {
    operators: ['admin', 'operators'] as const,
    tokens: ['admin', 'tokens'] as const,
    alertChannels: ['admin', 'alert-channels'] as const,
  },
  incidents: {
    all: ['incidents'] as const,
    lists: ['incidents', 'list'] as const,
    list: (filters: IncidentFilters) => ['incidents', 'list', filters] as const,
    detail: (id: string) => ['incidents', 'detail', id] as const,
    openCount: ['incidents', 'open-count'] as const,
    channels: ['incidents', 'channels'] as const,
  },
};

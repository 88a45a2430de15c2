// Sockets notify, React Query owns server state: every message lands in the query cache (setQueryData for the
// live lists, invalidation elsewhere). Nothing here keeps its own copy of server data.
import type { Query, QueryClient } from '@tanstack/react-query';
import type {
  BulkReplayJobDto,
  DeliverySummary,
  EventSummary,
  LatestReplayJob,
  LiveStatus,
  OrganizationDetail,
  OrganizationSummary,
  Page,
  ReconcileRunDto,
  ResyncResult,
  UserDetail,
  UserSummary,
} from '@contract/contract.ts';
import type { CatchUpRequest, ClientToServerEvents, ServerToClientEvents } from '@contract/realtime/contract.ts';
import {
  createBatcher,
  flattenFeed,
  matchesDeliveryFilters,
  matchesEventFilters,
  isUserIdFilter,
  mergeIntoFeed,
  newestId,
  timeoutSchedule,
  type FeedData,
  type Schedule,
} from '../lib/live-feed.ts';
import { api } from '../lib/api.ts';
import { queryKeys, type DeliveryFilters, type EventFilters } from '../lib/query-keys.ts';

const defaultFetchEventsHead = async (filters: EventFilters) =>
  (await api<Page<EventSummary>>('/api/events', { query: { ...filters, limit: 100 } })).items;

export type RealtimeStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/** The part of a Socket.IO client this module uses (a fake in tests). */
export interface RealtimeSocket {
  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): unknown;
  on(event: 'connect' | 'disconnect', listener: () => void): unknown;
  on(event: 'connect_error', listener: (err: Error) => void): unknown;
  off(event?: string): unknown;
  emit<E extends keyof ClientToServerEvents>(event: E, ...args: Parameters<ClientToServerEvents[E]>): unknown;
}

export interface RealtimeOptions {
  schedule?: Schedule;
  /** the newest page of a text-filtered event list (defaults to GET /api/events) */
  fetchEventsHead?: (filters: EventFilters) => Promise<EventSummary[]>;
  /** minimum gap between overview refetches triggered by live traffic */
  overviewEveryMs?: number;
  /** minimum gap between user-list refetches triggered by user:changed */
  usersEveryMs?: number;
  onStatus?: (status: RealtimeStatus) => void;
}

/** Newest ids held in any cached list, so the server can send what came after them. */
export function catchUpRequest(queryClient: QueryClient): CatchUpRequest {
  const ids = (prefix: readonly unknown[]) =>
    queryClient
      .getQueriesData<FeedData<{ id: number }>>({ queryKey: prefix })
      .map(([, data]) => newestId(flattenFeed(data)))
      .filter((id): id is number => id !== undefined);
  const ev = ids(queryKeys.events.lists);
  const dl = ids(queryKeys.deliveries.lists);
  return {
    lastEventId: ev.length ? Math.max(...ev) : undefined,
    lastDeliveryId: dl.length ? Math.max(...dl) : undefined,
  };
}

/**
 * Merge into a loaded list now; into a list whose first page is in flight once it lands (the server may have
 * answered before these items existed); lists never loaded are left alone.
 */
function mergeWhenLoaded<T>(
  queryClient: QueryClient,
  query: Query,
  merge: (old: FeedData<T> | undefined) => FeedData<T> | undefined,
) {
  if (query.state.data !== undefined) {
    queryClient.setQueryData<FeedData<T>>(query.queryKey, merge);
  } else if (query.state.fetchStatus === 'fetching') {
    query.fetch().then(
      () => queryClient.setQueryData<FeedData<T>>(query.queryKey, merge),
      () => {}, // the list shows its own error
    );
  }
}

/**
 * The text filter also searches the payload on the server, which a summary does not carry: for such lists,
 * events that pass the other filters trigger a fetch of the list's newest page, merged like live items.
 */
export type RefreshHead = (queryKey: readonly unknown[], filters: EventFilters) => void;

export function applyEvents(
  queryClient: QueryClient,
  events: readonly EventSummary[],
  refreshHead?: RefreshHead,
): void {
  if (events.length === 0) return;
  for (const query of queryClient.getQueryCache().findAll({ queryKey: queryKeys.events.lists })) {
    const filters = (query.queryKey[2] ?? {}) as EventFilters;
    const byName = filters.userId !== undefined && !isUserIdFilter(filters.userId);
    if ((filters.q || byName) && refreshHead) {
      const { q: _q, userId: _userId, ...rest } = filters;
      if (!byName && filters.userId) Object.assign(rest, { userId: filters.userId });
      if (query.state.data && events.some(matchesEventFilters(rest))) refreshHead(query.queryKey, filters);
      continue;
    }
    mergeWhenLoaded<EventSummary>(queryClient, query, (old) =>
      mergeIntoFeed(old, events, { matches: matchesEventFilters(filters) }),
    );
  }
  const userIds = new Set<string>();
  for (const e of events) {
    // a re-applied event changes its own detail (outcome, deliveries)
    if (queryClient.getQueryData(queryKeys.events.detail(e.svixId))) {
      void queryClient.invalidateQueries({ queryKey: queryKeys.events.detail(e.svixId) });
    }
    if (e.userId) userIds.add(e.userId);
  }
  for (const id of userIds) void queryClient.invalidateQueries({ queryKey: queryKeys.users.timeline(id) });
}

export function applyDeliveries(queryClient: QueryClient, deliveries: readonly DeliverySummary[]): void {
  if (deliveries.length === 0) return;
  for (const query of queryClient.getQueryCache().findAll({ queryKey: queryKeys.deliveries.lists })) {
    const filters = (query.queryKey[2] ?? {}) as DeliveryFilters;
    mergeWhenLoaded<DeliverySummary>(queryClient, query, (old) =>
      mergeIntoFeed(old, deliveries, { matches: matchesDeliveryFilters(filters) }),
    );
  }
  for (const d of deliveries) {
    // the event detail lists every delivery that carried it
    if (d.svixId && queryClient.getQueryData(queryKeys.events.detail(d.svixId))) {
      void queryClient.invalidateQueries({ queryKey: queryKeys.events.detail(d.svixId) });
    }
  }
}

export function applyUserChanges(
  queryClient: QueryClient,
  users: readonly UserSummary[],
  invalidateLists: () => void = () => void queryClient.invalidateQueries({ queryKey: queryKeys.users.lists }),
): void {
  if (users.length === 0) return;
  invalidateLists();
  const latest = new Map(users.map((u) => [u.id, u]));
  for (const user of latest.values()) {
    const before = queryClient.getQueryData<UserDetail>(queryKeys.users.detail(user.id));
    // show the new summary fields at once, then refetch the rest (sessions, data) for open detail pages
    queryClient.setQueryData<UserDetail>(queryKeys.users.detail(user.id), (old) => (old ? { ...old, ...user } : old));
    void queryClient.invalidateQueries({ queryKey: queryKeys.users.detail(user.id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.users.timeline(user.id) });
    // Re-compare (a Clerk API call) only when the local copy took a new Clerk version: comparing itself
    // changes the user (status, lastComparedAt) and publishes user:changed, which must not loop.
    if (!before || before.clerkUpdatedAt !== user.clerkUpdatedAt || before.deleted !== user.deleted) {
      void queryClient.invalidateQueries({
        queryKey: queryKeys.users.compare(user.id),
        refetchType: before ? 'active' : 'none',
      });
    }
  }
}

/**
 * Organizations whose row, members or invitations changed (the summary does not say which): lists and open
 * details refetch, and so do users' pages (they list memberships by their organization's name). An open
 * comparison asks Clerk again (rate-limited) only when the organization took a new Clerk version or was compared
 * anew (a resync, here or elsewhere); otherwise it is marked stale, to be refetched when next shown.
 */
export function applyOrganizationChanges(
  queryClient: QueryClient,
  organizations: readonly OrganizationSummary[],
  invalidateLists: () => void = () => void queryClient.invalidateQueries({ queryKey: queryKeys.organizations.lists }),
): void {
  if (organizations.length === 0) return;
  invalidateLists();
  const latest = new Map(organizations.map((o) => [o.id, o]));
  for (const org of latest.values()) {
    const key = queryKeys.organizations.detail(org.id);
    const before = queryClient.getQueryData<OrganizationDetail>(key);
    queryClient.setQueryData<OrganizationDetail>(key, (old) => (old ? { ...old, ...org } : old));
    void queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: queryKeys.organizations.timeline(org.id) });
    const anew =
      !!before &&
      (before.clerkUpdatedAt !== org.clerkUpdatedAt ||
        before.deleted !== org.deleted ||
        before.lastComparedAt !== org.lastComparedAt);
    void queryClient.invalidateQueries({
      queryKey: queryKeys.organizations.compare(org.id),
      refetchType: anew ? 'active' : 'none',
    });
  }
  void queryClient.invalidateQueries({ queryKey: queryKeys.users.details });
}

export function applyResync(queryClient: QueryClient, result: ResyncResult): void {
  queryClient.setQueryData<UserDetail>(queryKeys.users.detail(result.userId), result.user);
  void queryClient.invalidateQueries({ queryKey: queryKeys.users.lists });
  void queryClient.invalidateQueries({ queryKey: queryKeys.users.compare(result.userId) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.users.timeline(result.userId) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
}

/** Everything a run found: users, organizations and memberships (counts only grow while it runs). */
const foundOf = (run: ReconcileRunDto): number =>
  [run.found, run.organizations.found, run.memberships.found]
    .flatMap((found) => Object.values(found))
    .reduce((a, b) => a + b, 0);

/**
 * A reconcile's figures: the run's own query and its row in the history take them as they are (≤ 4 a second);
 * when it ends, what it found (findings, drift history, users' statuses, overview) is refetched.
 */
export function applyReconcile(queryClient: QueryClient, run: ReconcileRunDto, finished: boolean): void {
  const previous = queryClient.getQueryData<ReconcileRunDto>(queryKeys.reconcile.run(run.id));
  queryClient.setQueryData<ReconcileRunDto>(queryKeys.reconcile.run(run.id), run);
  queryClient.setQueryData<Page<ReconcileRunDto>>(queryKeys.reconcile.runs, (old) => {
    if (!old) return old;
    const known = old.items.some((r) => r.id === run.id);
    return { ...old, items: known ? old.items.map((r) => (r.id === run.id ? run : r)) : [run, ...old.items] };
  });
  // findings fill in while the run goes: refetched when the progress message says more were found
  // (the first message of a run seen here has nothing to compare with: the findings were just loaded)
  const foundMore = !!previous && foundOf(previous) !== foundOf(run);
  if (!finished) {
    if (foundMore) void queryClient.invalidateQueries({ queryKey: queryKeys.reconcile.findingsOf(run.id) });
    return;
  }
  void queryClient.invalidateQueries({ queryKey: queryKeys.reconcile.findingsOf(run.id) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.reconcile.driftHistory });
  void queryClient.invalidateQueries({ queryKey: queryKeys.users.lists });
  void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
}

/**
 * A bulk replay's figures: the latest-job query takes them as they are (at most a few a second; an older job's
 * never replaces a newer one's, a late progress message never reopens an ended job); when it ends, what the
 * replays changed (failures, overview, the audit) is refetched.
 */
export function applyReplayJob(queryClient: QueryClient, job: BulkReplayJobDto, finished: boolean): void {
  queryClient.setQueryData<LatestReplayJob>(queryKeys.replayJobs.latest, (old) => {
    const held = old?.job;
    if (held && (held.id > job.id || (held.id === job.id && held.status !== 'running' && job.status === 'running')))
      return old;
    return { job };
  });
  if (!finished) return;
  void queryClient.invalidateQueries({ queryKey: queryKeys.failures.all });
  void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
  void queryClient.invalidateQueries({ queryKey: queryKeys.audit.all });
}

/**
 * What is wrong right now: the banner and the Live indicator read it from the cache as it is; the overview's
 * figures and the failed view follow at once (an outage must not wait for the overview's throttle).
 */
export function applyLiveStatus(queryClient: QueryClient, status: LiveStatus): void {
  queryClient.setQueryData<LiveStatus>(queryKeys.live, status);
  void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
  void queryClient.invalidateQueries({ queryKey: queryKeys.failures.all });
}

/** Run `fn` at most once per `ms`: the first call waits out the rest of the interval, later calls join it. */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    if (timer) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        last = Date.now();
        fn();
      },
      Math.max(0, last + ms - Date.now()),
    );
  };
  run.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return run;
}

/** Wire a connected-or-connecting socket to the cache. Returns a function that detaches everything. */
export function attachRealtime(
  socket: RealtimeSocket,
  queryClient: QueryClient,
  options: RealtimeOptions = {},
): () => void {
  const {
    schedule = timeoutSchedule(),
    overviewEveryMs = 5000,
    usersEveryMs = 2000,
    onStatus,
    fetchEventsHead = defaultFetchEventsHead,
  } = options;

  // at most one head fetch per list at a time; a burst during one fetch causes exactly one more
  const heads = new Map<string, { running: boolean; again: boolean }>();
  const refreshHead: RefreshHead = (queryKey, filters) => {
    const id = JSON.stringify(queryKey);
    const state = heads.get(id) ?? { running: false, again: false };
    heads.set(id, state);
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    fetchEventsHead(filters)
      .then((items) => {
        queryClient.setQueryData<FeedData<EventSummary>>(queryKey, (old) => mergeIntoFeed(old, items));
      })
      .catch(() => {
        // the next live event or a reconnect tries again; the list itself stays usable
      })
      .finally(() => {
        state.running = false;
        if (state.again) {
          state.again = false;
          refreshHead(queryKey, filters);
        } else {
          heads.delete(id);
        }
      });
  };

  // Aggregates and paged lists are refetched, not patched: at most once per interval under live traffic.
  const touchOverview = throttle(
    () => void queryClient.invalidateQueries({ queryKey: queryKeys.overview }),
    overviewEveryMs,
  );
  const touchUserLists = throttle(
    () => void queryClient.invalidateQueries({ queryKey: queryKeys.users.lists }),
    usersEveryMs,
  );
  // a retry can recover a failed message: the grouped view is refetched (only while it is shown)
  const touchFailures = throttle(
    () => void queryClient.invalidateQueries({ queryKey: queryKeys.failures.all }),
    usersEveryMs,
  );

  const events = createBatcher<EventSummary>((items) => {
    applyEvents(queryClient, items, refreshHead);
    touchOverview();
  }, schedule);
  const deliveries = createBatcher<DeliverySummary>((items) => {
    applyDeliveries(queryClient, items);
    touchOverview();
    touchFailures();
  }, schedule);

  const users = createBatcher<UserSummary>((items) => applyUserChanges(queryClient, items, touchUserLists), schedule);
  const touchOrganizationLists = throttle(
    () => void queryClient.invalidateQueries({ queryKey: queryKeys.organizations.lists }),
    usersEveryMs,
  );
  const organizations = createBatcher<OrganizationSummary>((items) => {
    applyOrganizationChanges(queryClient, items, touchOrganizationLists);
    touchOverview(); // it counts organizations and their drift
  }, schedule);

  let connectedBefore = false;
  socket.on('connect', () => {
    onStatus?.('live');
    const reconnect = connectedBefore;
    connectedBefore = true;
    socket.emit('feed:catch-up', catchUpRequest(queryClient), (res) => {
      if (res.truncated) {
        // too much was missed to send: start the lists again from the newest page (a reset, not a refetch of
        // every loaded page)
        void queryClient.resetQueries({ queryKey: queryKeys.events.lists });
        void queryClient.resetQueries({ queryKey: queryKeys.deliveries.lists });
      }
      events.push(res.events);
      deliveries.push(res.deliveries);
    });
    if (reconnect) {
      // user changes have no catch-up; refetch what may have moved while offline
      void queryClient.invalidateQueries({ queryKey: queryKeys.users.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.organizations.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
      void queryClient.invalidateQueries({ queryKey: queryKeys.incidents.all });
    }
  });
  socket.on('disconnect', () => onStatus?.('reconnecting'));
  socket.on('connect_error', (err) => {
    if (err.message === 'unauthorized') {
      onStatus?.('unauthorized');
      void queryClient.invalidateQueries({ queryKey: queryKeys.me });
    } else {
      onStatus?.('reconnecting');
    }
  });
  socket.on('event:received', (items) => events.push(items));
  socket.on('delivery:recorded', (items) => deliveries.push(items));
  socket.on('user:changed', (items) => users.push(items));
  socket.on('organization:changed', (items) => organizations.push(items));
  socket.on('resync:finished', (result) => applyResync(queryClient, result));
  socket.on('reconcile:progress', (run) => applyReconcile(queryClient, run, false));
  socket.on('reconcile:finished', (run) => applyReconcile(queryClient, run, true));
  socket.on('replay:progress', (job) => applyReplayJob(queryClient, job, false));
  socket.on('replay:finished', (job) => applyReplayJob(queryClient, job, true));
  // incidents change at most once a second each: the lists, the badge and an open detail refetch
  socket.on('incident:changed', (incident) => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.incidents.lists });
    void queryClient.invalidateQueries({ queryKey: queryKeys.incidents.openCount });
    void queryClient.invalidateQueries({ queryKey: queryKeys.incidents.detail(incident.id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.incidents.channels });
  });

  socket.on('status:changed', (status) => applyLiveStatus(queryClient, status));

  return () => {
    for (const e of [
      'connect',
      'disconnect',
      'connect_error',
      'event:received',
      'delivery:recorded',
      'user:changed',
      'organization:changed',
      'resync:finished',
      'reconcile:progress',
      'reconcile:finished',
      'replay:progress',
      'replay:finished',
      'status:changed',
      'incident:changed',
    ]) {
      socket.off(e);
    }
    events.cancel();
    deliveries.cancel();
    users.cancel();
    organizations.cancel();
    touchOverview.cancel();
    touchUserLists.cancel();
    touchOrganizationLists.cancel();
    touchFailures.cancel();
  };
}

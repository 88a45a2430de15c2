import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import type {
  DeliverySummary,
  EventSummary,
  OrganizationDetail,
  OrganizationSummary,
  ResyncResult,
  UserDetail,
  UserSummary,
} from '@contract/contract.ts';
import type { CatchUpRequest } from '@contract/realtime/contract.ts';
import { flattenFeed, type FeedData, type Schedule } from '../lib/live-feed.ts';
import { queryKeys } from '../lib/query-keys.ts';
import {
  applyLiveStatus,
  attachRealtime,
  catchUpRequest,
  throttle,
  type RealtimeSocket,
  type RealtimeStatus,
} from './realtime.ts';

function makeEvent(id: number, over: Partial<EventSummary> = {}): EventSummary {
  return {
    id,
    svixId: `msg_${id}`,
    type: 'user.updated',
    objectId: 'user_1',
    userId: 'user_1',
    outcome: 'applied',
    error: null,
    occurredAt: '2026-01-01T10:00:00.000Z',
    receivedAt: '2026-01-01T10:00:01.000Z',
    ...over,
  };
}

function makeDelivery(id: number, over: Partial<DeliverySummary> = {}): DeliverySummary {
  return {
    id,
    receivedAt: '2026-01-01T10:00:01.000Z',
    svixId: `msg_${id}`,
    eventType: 'user.updated',
    outcome: 'applied',
    failed: false,
    httpStatus: 200,
    errorCode: null,
    error: null,
    durationMs: 3,
    verified: true,
    replayOf: null,
    ...over,
  };
}

function makeUser(over: Partial<UserDetail> = {}): UserDetail {
  return {
    id: 'user_1',
    deleted: false,
    primaryEmail: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    username: null,
    imageUrl: null,
    syncStatus: 'in_sync',
    clerkUpdatedAt: null,
    lastComparedAt: null,
    updatedAt: '2026-01-01T10:00:00.000Z',
    deletedAt: null,
    data: {},
    source: 'webhook',
    lastEvent: null,
    sessions: [],
    memberships: [],
    ...over,
  };
}

function makeOrganization(over: Partial<OrganizationDetail> = {}): OrganizationDetail {
  return {
    id: 'org_1',
    deleted: false,
    deletedAt: null,
    name: 'Acme',
    slug: 'acme',
    imageUrl: null,
    membersCount: 2,
    syncStatus: 'never_compared',
    clerkCreatedAt: '2026-01-01T08:00:00.000Z',
    clerkUpdatedAt: '2026-01-01T09:00:00.000Z',
    lastComparedAt: null,
    updatedAt: '2026-01-01T09:00:01.000Z',
    data: {},
    source: 'webhook',
    lastEvent: null,
    members: [],
    membersTotal: 2,
    formerMembers: [],
    pendingInvitations: [],
    ...over,
  };
}

const summaryOf = ({
  data: _d,
  source: _s,
  lastEvent: _e,
  members: _m,
  membersTotal: _t,
  formerMembers: _f,
  pendingInvitations: _p,
  ...summary
}: OrganizationDetail): OrganizationSummary => summary;

const feedOf = <T>(items: T[], nextCursor: string | null = null): FeedData<T> => ({
  pages: [{ items, nextCursor }],
  pageParams: [null],
});

/** A stand-in for the Socket.IO client: records listeners and emits, lets the test play the server. */
function fakeSocket() {
  type Listener = (...args: unknown[]) => void;
  const listeners = new Map<string, Listener[]>();
  const emitted: { event: string; args: unknown[] }[] = [];
  const socket: RealtimeSocket = {
    on: (event: string, fn: Listener) => {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return socket;
    },
    off: (event?: string) => {
      if (event) listeners.delete(event);
      else listeners.clear();
      return socket;
    },
    emit: (event: string, ...args: unknown[]) => {
      emitted.push({ event, args });
      return socket;
    },
  } as unknown as RealtimeSocket;
  const serverSends = (event: string, ...args: unknown[]) => listeners.get(event)?.forEach((fn) => fn(...args));
  return { socket, emitted, serverSends, listeners };
}

function manualSchedule() {
  const pending: (() => void)[] = [];
  const schedule: Schedule = (run) => {
    pending.push(run);
    return () => pending.splice(pending.indexOf(run), 1);
  };
  return { schedule, tick: () => pending.splice(0).forEach((run) => run()) };
}

describe('attachRealtime', () => {
  let qc: QueryClient;
  let s: ReturnType<typeof fakeSocket>;
  let sched: ReturnType<typeof manualSchedule>;
  let statuses: RealtimeStatus[];
  let detach: () => void;

  beforeEach(() => {
    qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    s = fakeSocket();
    sched = manualSchedule();
    statuses = [];
    detach = attachRealtime(s.socket, qc, {
      schedule: sched.schedule,
      onStatus: (st) => statuses.push(st),
      overviewEveryMs: 0,
      usersEveryMs: 0,
    });
  });
  afterEach(() => {
    detach();
    qc.clear();
  });

  const events = (filters = {}) =>
    flattenFeed(qc.getQueryData<FeedData<EventSummary>>(queryKeys.events.list(filters))).map((e) => e.id);

  it('merges batched events into every cached list, once per tick, respecting each filter', () => {
    qc.setQueryData(queryKeys.events.list({}), feedOf([makeEvent(2), makeEvent(1)]));
    qc.setQueryData(queryKeys.events.list({ outcome: 'failed' }), feedOf([makeEvent(1, { outcome: 'failed' })]));

    s.serverSends('event:received', [makeEvent(3), makeEvent(4, { outcome: 'failed' })]);
    s.serverSends('event:received', [makeEvent(5), makeEvent(3)]);
    expect(events()).toEqual([2, 1]); // nothing written until the tick

    sched.tick();
    expect(events()).toEqual([5, 4, 3, 2, 1]);
    expect(events({ outcome: 'failed' })).toEqual([4, 1]);
  });

  it('merges items that arrive while a list is loading its first page once it lands', async () => {
    let answer!: (page: { items: EventSummary[]; nextCursor: string | null }) => void;
    const loading = qc.prefetchInfiniteQuery({
      queryKey: queryKeys.events.list({}),
      queryFn: () => new Promise<{ items: EventSummary[]; nextCursor: string | null }>((r) => (answer = r)),
      initialPageParam: null,
    });
    s.serverSends('event:received', [makeEvent(3)]);
    sched.tick();
    answer({ items: [makeEvent(2), makeEvent(1)], nextCursor: null }); // the server answered before event 3
    await loading;
    await vi.waitFor(() => expect(events()).toEqual([3, 2, 1]));
  });

  it('does not create lists that were never loaded', () => {
    s.serverSends('event:received', [makeEvent(1)]);
    sched.tick();
    expect(qc.getQueryData(queryKeys.events.list({}))).toBeUndefined();
  });

  it('merges deliveries and refreshes the detail of the event they carried', async () => {
    qc.setQueryData(queryKeys.deliveries.list({ failed: true }), feedOf([makeDelivery(1, { failed: true })]));
    const fetchEvent = vi.fn().mockResolvedValue({ svixId: 'msg_9' });
    await qc.prefetchQuery({ queryKey: queryKeys.events.detail('msg_9'), queryFn: () => ({ svixId: 'msg_9' }) });
    qc.getQueryCache()
      .find({ queryKey: queryKeys.events.detail('msg_9') })!
      .setOptions({ queryKey: queryKeys.events.detail('msg_9'), queryFn: fetchEvent });

    s.serverSends('delivery:recorded', [makeDelivery(2, { failed: true, svixId: 'msg_9' }), makeDelivery(3)]);
    sched.tick();
    const list = flattenFeed(qc.getQueryData<FeedData<DeliverySummary>>(queryKeys.deliveries.list({ failed: true })));
    expect(list.map((d) => d.id)).toEqual([2, 1]);
    expect(qc.getQueryState(queryKeys.events.detail('msg_9'))!.isInvalidated).toBe(true);
  });

  it('on connect asks for what it missed since the newest ids held, and merges the answer', () => {
    qc.setQueryData(queryKeys.events.list({}), feedOf([makeEvent(7), makeEvent(6)]));
    qc.setQueryData(queryKeys.events.list({ outcome: 'failed' }), feedOf([makeEvent(9, { outcome: 'failed' })]));
    qc.setQueryData(queryKeys.deliveries.list({}), feedOf([makeDelivery(12)]));

    s.serverSends('connect');
    expect(statuses).toEqual(['live']);
    const call = s.emitted.find((e) => e.event === 'feed:catch-up')!;
    expect(call.args[0]).toEqual({ lastEventId: 9, lastDeliveryId: 12 } satisfies CatchUpRequest);

    const ack = call.args[1] as (res: {
      events: EventSummary[];
      deliveries: DeliverySummary[];
      truncated: boolean;
    }) => void;
    ack({ events: [makeEvent(10), makeEvent(11)], deliveries: [makeDelivery(13)], truncated: false });
    sched.tick();
    expect(events()).toEqual([11, 10, 7, 6]);
    expect(
      flattenFeed(qc.getQueryData<FeedData<DeliverySummary>>(queryKeys.deliveries.list({}))).map((d) => d.id),
    ).toEqual([13, 12]);
  });

  it('when the catch-up was truncated, restarts the lists from the newest page', () => {
    qc.setQueryData(queryKeys.events.list({}), feedOf([makeEvent(1)]));
    const reset = vi.spyOn(qc, 'resetQueries');
    s.serverSends('connect');
    const ack = s.emitted[0]!.args[1] as (res: unknown) => void;
    ack({ events: [], deliveries: [], truncated: true });
    expect(reset).toHaveBeenCalledWith({ queryKey: queryKeys.events.lists });
    expect(reset).toHaveBeenCalledWith({ queryKey: queryKeys.deliveries.lists });
  });

  it('asks with no ids when it holds no list', () => {
    s.serverSends('connect');
    expect(s.emitted[0]!.args[0]).toEqual({ lastEventId: undefined, lastDeliveryId: undefined });
  });

  it('user:changed updates the open detail and invalidates user lists', async () => {
    qc.setQueryData(queryKeys.users.detail('user_1'), makeUser());
    qc.setQueryData(queryKeys.users.list({}), { pages: [{ items: [], nextCursor: null }], pageParams: [null] });
    const changed: UserSummary = { ...makeUser(), firstName: 'Augusta', syncStatus: 'drifted' };
    s.serverSends('user:changed', [changed]);
    sched.tick();
    const detail = qc.getQueryData<UserDetail>(queryKeys.users.detail('user_1'))!;
    expect(detail.firstName).toBe('Augusta');
    expect(detail.syncStatus).toBe('drifted');
    expect(detail.source).toBe('webhook'); // detail-only fields kept
    await vi.waitFor(() => expect(qc.getQueryState(queryKeys.users.list({}))!.isInvalidated).toBe(true)); // throttled
  });

  it('user:changed after a comparison does not trigger another comparison (no loop)', () => {
    qc.setQueryData(queryKeys.users.detail('user_1'), makeUser({ clerkUpdatedAt: '2026-01-01T09:00:00.000Z' }));
    qc.setQueryData(queryKeys.users.compare('user_1'), { userId: 'user_1' });
    s.serverSends('user:changed', [
      {
        ...makeUser({ clerkUpdatedAt: '2026-01-01T09:00:00.000Z' }),
        syncStatus: 'drifted',
        lastComparedAt: '2026-01-01T10:00:00.000Z',
      },
    ]);
    sched.tick();
    expect(qc.getQueryState(queryKeys.users.compare('user_1'))!.isInvalidated).toBe(false);

    s.serverSends('user:changed', [{ ...makeUser({ clerkUpdatedAt: '2026-01-01T11:00:00.000Z' }) }]);
    sched.tick();
    expect(qc.getQueryState(queryKeys.users.compare('user_1'))!.isInvalidated).toBe(true);
  });

  it('organization:changed updates the open detail, and refetches lists, its timeline and users’ pages', async () => {
    qc.setQueryData(queryKeys.organizations.detail('org_1'), makeOrganization());
    qc.setQueryData(queryKeys.organizations.list({}), feedOf([]));
    qc.setQueryData(queryKeys.organizations.timeline('org_1'), { items: [], nextCursor: null });
    qc.setQueryData(queryKeys.users.detail('user_1'), makeUser());
    s.serverSends('organization:changed', [summaryOf(makeOrganization({ name: 'Acme Two', syncStatus: 'drifted' }))]);
    sched.tick();
    const detail = qc.getQueryData<OrganizationDetail>(queryKeys.organizations.detail('org_1'))!;
    expect(detail).toMatchObject({ name: 'Acme Two', syncStatus: 'drifted', source: 'webhook', membersTotal: 2 });
    expect(qc.getQueryState(queryKeys.organizations.detail('org_1'))!.isInvalidated).toBe(true);
    expect(qc.getQueryState(queryKeys.organizations.timeline('org_1'))!.isInvalidated).toBe(true);
    // a user's page names the organizations of their memberships
    expect(qc.getQueryState(queryKeys.users.detail('user_1'))!.isInvalidated).toBe(true);
    await vi.waitFor(() => expect(qc.getQueryState(queryKeys.organizations.list({}))!.isInvalidated).toBe(true));
  });

  it('organization:changed asks Clerk again only for a new version or a new comparison, else marks it stale', () => {
    qc.setQueryData(queryKeys.organizations.detail('org_1'), makeOrganization());
    qc.setQueryData(queryKeys.organizations.compare('org_1'), { organizationId: 'org_1' });
    const invalidate = vi.spyOn(qc, 'invalidateQueries');
    const compareCall = () =>
      invalidate.mock.calls.filter(
        ([f]) => JSON.stringify(f?.queryKey) === JSON.stringify(['organizations', 'compare', 'org_1']),
      );
    // a member joined: the summary is the same
    s.serverSends('organization:changed', [summaryOf(makeOrganization())]);
    sched.tick();
    expect(compareCall().at(-1)![0]).toMatchObject({ refetchType: 'none' });
    expect(qc.getQueryState(queryKeys.organizations.compare('org_1'))!.isInvalidated).toBe(true);
    // another dashboard resynced it
    s.serverSends('organization:changed', [
      summaryOf(makeOrganization({ syncStatus: 'in_sync', lastComparedAt: '2026-01-01T10:00:00.000Z' })),
    ]);
    sched.tick();
    expect(compareCall().at(-1)![0]).toMatchObject({ refetchType: 'active' });
  });

  it('resync:finished writes the new user detail for every open dashboard', () => {
    qc.setQueryData(queryKeys.users.detail('user_1'), makeUser({ syncStatus: 'drifted' }));
    qc.setQueryData(queryKeys.users.compare('user_1'), { userId: 'user_1' });
    const result: ResyncResult = {
      userId: 'user_1',
      result: 'updated',
      changedFields: ['first_name'],
      user: makeUser({ firstName: 'Grace', syncStatus: 'in_sync' }),
    };
    s.serverSends('resync:finished', result);
    expect(qc.getQueryData<UserDetail>(queryKeys.users.detail('user_1'))!.firstName).toBe('Grace');
    expect(qc.getQueryState(queryKeys.users.compare('user_1'))!.isInvalidated).toBe(true);
  });

  it('reports connection status and re-checks the session on an unauthorized handshake', () => {
    qc.setQueryData(queryKeys.me, { id: 1, email: 'op@example.com', role: 'admin' });
    s.serverSends('disconnect');
    s.serverSends('connect_error', new Error('unauthorized'));
    expect(statuses).toEqual(['reconnecting', 'unauthorized']);
    expect(qc.getQueryState(queryKeys.me)!.isInvalidated).toBe(true);
  });

  it('after a reconnect refetches user data, which has no catch-up', () => {
    qc.setQueryData(queryKeys.users.detail('user_1'), makeUser());
    s.serverSends('connect');
    expect(qc.getQueryState(queryKeys.users.detail('user_1'))!.isInvalidated).toBe(false);
    s.serverSends('disconnect');
    s.serverSends('connect');
    expect(qc.getQueryState(queryKeys.users.detail('user_1'))!.isInvalidated).toBe(true);
  });

  it('after a reconnect refetches organizations, which have no catch-up either', () => {
    qc.setQueryData(queryKeys.organizations.detail('org_1'), makeOrganization());
    s.serverSends('connect');
    s.serverSends('disconnect');
    s.serverSends('connect');
    expect(qc.getQueryState(queryKeys.organizations.detail('org_1'))!.isInvalidated).toBe(true);
  });

  it('detach removes its listeners', () => {
    detach();
    expect(s.listeners.size).toBe(0);
  });

  it('catchUpRequest reads the newest ids across lists', () => {
    qc.setQueryData(queryKeys.events.list({ q: 'x' }), feedOf([makeEvent(3)]));
    qc.setQueryData(queryKeys.events.list({}), feedOf([makeEvent(2)]));
    expect(catchUpRequest(qc)).toEqual({ lastEventId: 3, lastDeliveryId: undefined });
  });
});

describe('throttle', () => {
  it('runs at most once per interval, joining calls made meanwhile', () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn();
      const t = throttle(fn, 1000);
      t();
      t();
      vi.advanceTimersByTime(0);
      expect(fn).toHaveBeenCalledTimes(1);
      t();
      t();
      vi.advanceTimersByTime(500);
      expect(fn).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(500);
      expect(fn).toHaveBeenCalledTimes(2);
      t();
      t.cancel();
      vi.advanceTimersByTime(5000);
      expect(fn).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('text-filtered event lists', () => {
  it('ask the server for their newest page instead of guessing, and merge it', async () => {
    const qc = new QueryClient();
    const s = fakeSocket();
    const sched = manualSchedule();
    let resolve!: (items: EventSummary[]) => void;
    const fetchEventsHead = vi.fn(() => new Promise<EventSummary[]>((r) => (resolve = r)));
    const detach = attachRealtime(s.socket, qc, { schedule: sched.schedule, fetchEventsHead });
    const key = queryKeys.events.list({ q: 'ada@example.com', outcome: 'applied' });
    qc.setQueryData(key, feedOf([makeEvent(1)]));

    s.serverSends('event:received', [makeEvent(2, { outcome: 'failed' })]);
    sched.tick();
    expect(fetchEventsHead).not.toHaveBeenCalled(); // excluded by the outcome filter anyway

    s.serverSends('event:received', [makeEvent(3)]);
    sched.tick();
    s.serverSends('event:received', [makeEvent(4)]);
    sched.tick();
    expect(fetchEventsHead).toHaveBeenCalledTimes(1); // one in flight at a time
    expect(fetchEventsHead).toHaveBeenCalledWith({ q: 'ada@example.com', outcome: 'applied' });

    resolve([makeEvent(4), makeEvent(1)]);
    await vi.waitFor(() => expect(fetchEventsHead).toHaveBeenCalledTimes(2)); // the burst during the fetch: one more
    expect(flattenFeed(qc.getQueryData<FeedData<EventSummary>>(key)).map((e) => e.id)).toEqual([4, 1]);
    resolve([]);
    detach();
  });
});

describe('live status', () => {
  it('lands in the cache as pushed, and refetches the overview and the failures view at once', () => {
    const qc = new QueryClient();
    qc.setQueryData(queryKeys.overview, {});
    qc.setQueryData(queryKeys.failures.list('outstanding'), {});
    const status = {
      problems: [
        {
          kind: 'storage_refusing' as const,
          message: 'Webhooks are being refused: database unavailable',
          since: '2026-12-01T05:12:03.000Z',
          incidentId: 'inc_1',
          acknowledgedBy: null,
        },
      ],
      lastDeliveryAt: null,
      checkedAt: '2026-12-01T05:12:04.000Z',
    };
    applyLiveStatus(qc, status);
    expect(qc.getQueryData(queryKeys.live)).toEqual(status);
    expect(qc.getQueryState(queryKeys.overview)?.isInvalidated).toBe(true);
    expect(qc.getQueryState(queryKeys.failures.list('outstanding'))?.isInvalidated).toBe(true);
  });
});

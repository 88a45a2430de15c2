// Incidents: failures grouped by cause, alerted on once when they open, reminded while they stay open, and
// alerted again when they resolve (by an operator, or by themselves when their condition clears).
//
// Signals arrive on the hot path (every webhook request) and are folded in memory: a burst of a thousand
// failures becomes one incident with a count of a thousand and one alert. A tick (every second) writes what
// was folded, sends the alerts due, and checks which incidents cleared. Memory first also means a storage
// outage is alerted on while the database is down: the incident is written once it is back.
//
// The live status (banner, amber Live indicator, "Failing now") is a view of the unresolved incidents this
// instance holds: its own, pushed as they fold (a 503 reaches the dashboards at once), and those of other
// instances, read back from the database every tick.
import { randomBytes } from 'node:crypto';
import type {
  AffectedEvent,
  AlertBody,
  AlertChannelDto,
  AlertKind,
  IncidentDetail,
  IncidentKind,
  IncidentPage,
  IncidentReplayResult,
  IncidentState,
  IncidentSummary,
  AlertChannelName,
  EventOutcome,
  LiveStatus,
  OperatorDto,
  ReconcileRunDto,
  ReplayResult,
} from '../contract.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { PipelineObserver, PipelineOutcome } from '../webhooks/ports.ts';
import { AppError, notFound } from '../lib/errors.ts';
import {
  AFFECTED_CAP,
  emptyAffected,
  mergeAffected,
  parseAffected,
  parseFacts,
  toIncidentSummary,
  type Affected,
  type IncidentRow,
  type IncidentsRepository,
  type NewAlert,
} from './incidents.repository.ts';
import {
  clerkRetryFacts,
  DEFAULT_QUIET,
  fromClerkResponse,
  fromPipeline,
  fromReconcile,
  silenceSignal,
  usualQuietMs,
  type Clear,
  type IncidentFacts,
  type QuietRule,
  type Signal,
} from './signals.ts';
import { CLERK_GRACE_MS, liveStatusOf, shownInBanner, type ViewedIncident } from './live-status.ts';
import { createDispatcher, DEFAULT_ALERT_RETRY, type AlertOutcome, type RetryOptions } from './alerts/dispatcher.ts';
import type { AlertChannel } from './alerts/channels.ts';

export interface IncidentsOptions {
  /** PUBLIC_URL: alerts link to `<it>/incidents/<id>` */
  publicUrl: string;
  /** ALERT_SILENCE_MINUTES in ms, the floor of the usual quiet; null: no silence incidents */
  silenceMs: number | null;
  /** how the usual quiet is learnt (tests: fewer gaps) */
  quiet?: Partial<Omit<QuietRule, 'minQuietMs'>>;
  /** how long Clerk trouble stays in the banner after its last failure or due retry (default 30 s) */
  clerkGraceMs?: number;
  /** ALERT_REMINDER_MINUTES in ms; null: off */
  reminderMs: number | null;
  /** how often folded signals are written and conditions checked (default 1 s) */
  tickMs?: number;
  retry?: RetryOptions;
}

export interface IncidentsDeps {
  repo: IncidentsRepository;
  /** the outcome of events now (an apply incident resolves once none of its events is failed or quarantined) */
  eventOutcomes(ids: number[]): Promise<Map<number, EventOutcome>>;
  /** replays one delivery's stored payload through the pipeline (not audited: the incident replay is) */
  replayDelivery(deliveryId: number, operator: OperatorDto): Promise<ReplayResult>;
  audit: AuditRecorder;
  logger: Logger;
  /** the live push: an incident changed */
  notify(incident: IncidentSummary): void;
  /** the live push: what is wrong right now changed (the banner's view of the incidents) */
  statusChanged?(status: LiveStatus): void;
  /** the newest genuine delivery in the shared log (other instances' too): silence is judged on it */
  latestGenuineAt(): Promise<Date | null>;
  channels: AlertChannel[];
  options: IncidentsOptions;
  clock?: () => Date;
}

/** An unresolved incident as this instance holds it, with what was folded into it since the last write. */
interface Live {
  id: string;
  fingerprint: string;
  kind: IncidentKind;
  title: string;
  cause: string;
  state: Exclude<IncidentState, 'resolved'>;
  acknowledgedBy: string | null;
  facts: IncidentFacts;
  firstSeenAt: Date;
  lastSeenAt: Date;
  count: number;
  quarantined: number;
  totals: Affected['totals'];
  lastAlertAt: Date | null;
  stored: boolean;
  /** opened here: this instance sends its "opened" alert */
  openAlertDue: boolean;
  /** arrival order of its last failure seen here (0: none): a clear of the same millisecond decides by it */
  lastSeq: number;
  pending: Pending | null;
}

/** What was folded into an incident since its last write (facts: learnt here since then). */
interface Pending {
  count: number;
  quarantined: number;
  affected: Affected;
  lastSeenAt: Date;
  facts: IncidentFacts | null;
}

const MAX_PENDING_RECORDS = 10_000;
/** gaps between genuine deliveries kept for the usual quiet */
const GAPS_KEPT = 200;

const newIncidentId = () => `inc_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;

export function createIncidentsService(deps: IncidentsDeps) {
  const clock = deps.clock ?? (() => new Date());
  const opts = deps.options;
  const tickMs = opts.tickMs ?? 1_000;
  const lives = new Map<string, Live>(); // by fingerprint
  const clears = new Map<string, Clear & { seq: number }>(); // latest clear per kind, and per kind:fingerprint
  let seq = 0; // arrival order of signals and clears
  const storedIds = new Set<string>();
  const lastByChannel = new Map<AlertChannelName, AlertOutcome>();
  let pendingRecords: AlertOutcome[] = [];
  // signals of a cause that opens only after several in a row (openAfter), by fingerprint
  const waiting = new Map<string, Signal[]>();
  // Silence: the newest genuine delivery known (here, or in the shared log), and the gaps between those this
  // instance received (a restart or another instance's delivery is no gap).
  let lastGenuineAt: Date | null = null;
  let lastGenuineHere: Date | null = null;
  const gaps: number[] = [];
  const quiet: QuietRule | null =
    opts.silenceMs === null ? null : { ...DEFAULT_QUIET, ...opts.quiet, minQuietMs: opts.silenceMs };
  const clerkGraceMs = opts.clerkGraceMs ?? CLERK_GRACE_MS;
  let lastStatusKey = '[]';
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;

  const dispatcher = createDispatcher({
    channels: deps.channels,
    retry: opts.retry ?? DEFAULT_ALERT_RETRY,
    logger: deps.logger,
    onOutcome(o) {
      lastByChannel.set(o.channel, o);
      pendingRecords.push(o);
      if (pendingRecords.length > MAX_PENDING_RECORDS) pendingRecords = pendingRecords.slice(-MAX_PENDING_RECORDS);
      void flushRecords();
    },
  });

  // ---- intake (hot path: memory only) ----

  function take({ signal, clears: cs }: { signal: Signal | null; clears: Clear[] }) {
    for (const clear of cs) {
      const c = { ...clear, seq: ++seq };
      clears.set(c.kind, c);
      if (c.fingerprint) clears.set(`${c.kind}:${c.fingerprint}`, c);
      if (c.kind === 'silence') genuineDelivery(c.at);
      for (const [fp, w] of waiting)
        if (w[0]!.kind === c.kind && (!c.fingerprint || c.fingerprint === fp)) waiting.delete(fp);
    }
    if (signal) admit(signal);
    // the banner changes at once (a 503 opens, a stored delivery ends an outage), not at the next write
    if ((signal && shownInBanner(signal.kind)) || (cs.length > 0 && anyShown())) statusMayHaveChanged();
  }

  function anyShown(): boolean {
    for (const l of lives.values()) if (shownInBanner(l.kind)) return true;
    return false;
  }

  /** A cause that opens only after several signals in a row waits for them; then all of them are folded. */
  function admit(s: Signal) {
    if (!s.openAfter || s.openAfter <= 1 || lives.has(s.fingerprint)) return fold(s);
    const w = waiting.get(s.fingerprint) ?? [];
    w.push(s);
    if (w.length < s.openAfter) {
      waiting.set(s.fingerprint, w);
      return;
    }
    waiting.delete(s.fingerprint);
    for (const x of w) fold(x);
  }

  function genuineDelivery(at: Date) {
    if (lastGenuineHere && at > lastGenuineHere) {
      gaps.push(at.getTime() - lastGenuineHere.getTime());
      if (gaps.length > GAPS_KEPT) gaps.shift();
    }
    if (!lastGenuineHere || at > lastGenuineHere) lastGenuineHere = at;
    if (!lastGenuineAt || at > lastGenuineAt) lastGenuineAt = at;
  }

  /** Facts learnt without a new failure (Clerk's next retry): kept, written at the next tick, shown now. */
  function learn(fingerprint: string, facts: IncidentFacts): boolean {
    const live = lives.get(fingerprint);
    if (!live) return false;
    live.facts = { ...live.facts, ...facts };
    const p = (live.pending ??= newPending(live.lastSeenAt));
    p.facts = { ...p.facts, ...facts };
    statusMayHaveChanged();
    return true;
  }

  const newPending = (lastSeenAt: Date): Pending => ({
    count: 0,
    quarantined: 0,
    affected: emptyAffected(),
    lastSeenAt,
    facts: null,
  });

  function fold(s: Signal) {
    let live = lives.get(s.fingerprint);
    if (!live) {
      live = {
        id: newIncidentId(),
        fingerprint: s.fingerprint,
        kind: s.kind,
        title: s.title,
        cause: s.cause,
        state: 'open',
        acknowledgedBy: null,
        facts: {},
        firstSeenAt: s.at,
        lastSeenAt: s.at,
        count: 0,
        quarantined: 0,
        totals: { events: 0, deliveries: 0, users: 0 },
        lastAlertAt: null,
        stored: false,
        openAlertDue: true,
        lastSeq: 0,
        pending: null,
      };
      lives.set(s.fingerprint, live);
    }
    const p = (live.pending ??= newPending(s.at));
    live.lastSeq = ++seq;
    p.count++;
    live.count++;
    if (s.quarantined) {
      p.quarantined++;
      live.quarantined++;
    }
    if (s.at > p.lastSeenAt) p.lastSeenAt = s.at;
    if (s.at > live.lastSeenAt) live.lastSeenAt = s.at;
    live.title = s.title;
    live.cause = s.cause;
    if (s.facts) {
      live.facts = { ...live.facts, ...s.facts };
      p.facts = { ...p.facts, ...s.facts };
    }
    addAffected(p.affected, s.affected);
  }

  function addAffected(a: Affected, ref: Signal['affected']) {
    if (ref.eventId !== undefined && ref.svixId !== undefined && !a.events.some((e) => e.id === ref.eventId)) {
      a.totals.events++;
      if (a.events.length < AFFECTED_CAP)
        a.events.push({
          id: ref.eventId,
          svixId: ref.svixId,
          deliveryId: ref.deliveryId ?? null,
          userId: ref.userId ?? null,
        });
    }
    if (ref.deliveryId !== undefined) {
      a.totals.deliveries++;
      if (a.deliveryIds.length < AFFECTED_CAP) a.deliveryIds.push(ref.deliveryId);
    }
    if (ref.userId !== undefined && !a.userIds.includes(ref.userId)) {
      a.totals.users++;
      if (a.userIds.length < AFFECTED_CAP) a.userIds.push(ref.userId);
    }
  }

  const observer: PipelineObserver = { observe: (o: PipelineOutcome) => take(fromPipeline(o)) };

  // ---- the tick: write, alert, resolve ----

  function liveFromRow(r: IncidentRow): Live {
    return {
      id: r.id,
      fingerprint: r.fingerprint,
      kind: r.kind as IncidentKind,
      title: r.title,
      cause: r.cause,
      state: r.state === 'acknowledged' ? 'acknowledged' : 'open',
      acknowledgedBy: r.acknowledgedBy,
      facts: parseFacts(r.facts),
      firstSeenAt: r.firstSeenAt,
      lastSeenAt: r.lastSeenAt,
      count: r.count,
      quarantined: r.quarantined,
      totals: parseAffected(r.affected).totals,
      lastAlertAt: r.lastAlertAt,
      stored: true,
      openAlertDue: false,
      lastSeq: 0,
      pending: null,
    };
  }

  /** A write that failed: what it carried goes back in front of what was folded meanwhile. */
  function restorePending(live: Live, p: Live['pending']) {
    if (!p) return;
    const later = live.pending;
    live.pending = later
      ? {
          count: p.count + later.count,
          quarantined: p.quarantined + later.quarantined,
          affected: mergeAffected(p.affected, later.affected),
          lastSeenAt: later.lastSeenAt > p.lastSeenAt ? later.lastSeenAt : p.lastSeenAt,
          facts: p.facts || later.facts ? { ...p.facts, ...later.facts } : null,
        }
      : p;
  }

  /** What was folded since the last write goes to the database; false when it could not be written. */
  async function persist(live: Live): Promise<boolean> {
    const p = live.pending;
    if (live.stored && !p) return true;
    // Taken before the first await: failures folded while this write runs go into a fresh pending.
    live.pending = null;
    try {
      let row: IncidentRow | null;
      if (!live.stored) {
        row = await deps.repo.createOpen({
          id: live.id,
          fingerprint: live.fingerprint,
          kind: live.kind,
          title: live.title,
          cause: live.cause,
          firstSeenAt: live.firstSeenAt,
          lastSeenAt: live.lastSeenAt,
          count: p?.count ?? 0,
          quarantined: p?.quarantined ?? 0,
          affected: p?.affected ?? emptyAffected(),
          facts: live.facts,
          lastAlertAt: live.openAlertDue ? clock() : live.lastAlertAt,
        });
        if (!row) {
          // Another instance opened this cause first: fold into theirs, and leave its "opened" alert to it.
          const theirs = await deps.repo.findUnresolvedByKey(live.fingerprint);
          if (!theirs) {
            restorePending(live, p); // resolved in between: the next tick tries again
            return false;
          }
          row = p ? await deps.repo.fold(theirs.id, { ...p, title: live.title, cause: live.cause }) : theirs;
          live.id = row.id;
          live.openAlertDue = false;
        }
      } else {
        row = await deps.repo.fold(live.id, { ...p!, title: live.title, cause: live.cause });
      }
      live.stored = true;
      storedIds.add(row.id);
      Object.assign(live, {
        count: row.count,
        quarantined: row.quarantined,
        totals: parseAffected(row.affected).totals,
        lastSeenAt: row.lastSeenAt,
      });
      deps.notify(toIncidentSummary(row));
      return true;
    } catch (err) {
      restorePending(live, p);
      deps.logger.warn({ err, incident: live.id }, 'incident could not be written yet; kept in memory');
      return false;
    }
  }

  function bodyOf(kind: AlertKind, i: IncidentSummary): AlertBody {
    return {
      type: kind === 'test' ? 'incident.test' : `incident.${kind}`,
      monitor: opts.publicUrl,
      incident: {
        id: i.id,
        title: i.title,
        kind: i.kind,
        cause: i.cause,
        state: i.state,
        count: i.count,
        quarantined: i.quarantined,
        affected: i.affectedCounts,
        firstSeenAt: i.firstSeenAt,
        lastSeenAt: i.lastSeenAt,
        resolvedAt: i.resolvedAt,
        url: `${opts.publicUrl}/incidents/${encodeURIComponent(i.id)}`,
      },
      sentAt: clock().toISOString(),
    };
  }

  function summaryOfLive(l: Live): IncidentSummary {
    return {
      id: l.id,
      kind: l.kind,
      fingerprint: l.fingerprint,
      title: l.title,
      cause: l.cause,
      state: l.state,
      firstSeenAt: l.firstSeenAt.toISOString(),
      lastSeenAt: l.lastSeenAt.toISOString(),
      count: l.count,
      quarantined: l.quarantined,
      affectedCounts: { ...l.totals },
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      note: null,
    };
  }

  function alert(kind: AlertKind, summary: IncidentSummary) {
    if (deps.channels.length === 0) return;
    void dispatcher.send(kind, bodyOf(kind, summary), summary.id);
  }

  /** A clear seen here after the incident's last failure (its cause is gone), or null. */
  function clearOf(live: Live): Clear | null {
    const c = clears.get(`${live.kind}:${live.fingerprint}`) ?? null;
    const k = clears.get(live.kind) ?? null;
    const last = live.lastSeenAt.getTime();
    return (
      [c, k].find(
        (x): x is Clear & { seq: number } =>
          x !== null &&
          (!x.fingerprint || x.fingerprint === live.fingerprint) &&
          (x.at.getTime() > last || (x.at.getTime() === last && x.seq > live.lastSeq)),
      ) ?? null
    );
  }

  /** Why a live incident's condition is gone, or null while it holds. */
  async function clearedBecause(live: Live): Promise<string | null> {
    if (live.pending) return null; // failures seen since the last write: it still holds
    const clear = clearOf(live);
    if (clear) return clear.reason;
    if (live.kind === 'apply_failed') {
      const row = await deps.repo.get(live.id);
      if (!row) return null;
      const ids = parseAffected(row.affected).events.map((e) => e.id);
      if (ids.length === 0) return null;
      const outcomes = await deps.eventOutcomes(ids);
      const stuck = ids.filter((id) => {
        const o = outcomes.get(id);
        return o === 'failed' || o === 'quarantined';
      });
      if (stuck.length === 0) return 'every affected event is applied now';
    }
    return null;
  }

  async function autoResolve(live: Live, reason: string) {
    const row = await deps.repo.resolve(live.id, 'auto', `Resolved by itself: ${reason}.`, clock());
    lives.delete(live.fingerprint);
    if (!row) return; // resolved by someone else meanwhile (they alerted)
    const summary = toIncidentSummary(row);
    deps.notify(summary);
    alert('resolved', summary);
  }

  /** Incidents opened, acknowledged or resolved by operators or other instances. */
  async function syncFromDatabase() {
    const rows = await deps.repo.unresolved();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [fp, live] of lives) {
      if (!live.stored) continue;
      const row = byId.get(live.id);
      if (!row) {
        if (!live.pending) lives.delete(fp);
        continue;
      }
      live.state = row.state === 'acknowledged' ? 'acknowledged' : 'open';
      live.acknowledgedBy = row.acknowledgedBy;
      live.lastAlertAt = row.lastAlertAt;
      if (!live.pending)
        Object.assign(live, {
          count: row.count,
          quarantined: row.quarantined,
          lastSeenAt: row.lastSeenAt,
          facts: parseFacts(row.facts),
        });
    }
    for (const row of rows) {
      storedIds.add(row.id);
      if (!lives.has(row.fingerprint)) lives.set(row.fingerprint, liveFromRow(row));
    }
  }

  /** No genuine delivery for longer than the usual quiet (once it is known) opens a silence incident. */
  async function checkSilence(now: Date) {
    if (!quiet || !lastGenuineAt || lives.has('silence')) return;
    const quietMs = usualQuietMs(gaps, quiet);
    if (quietMs === null || now.getTime() - lastGenuineAt.getTime() <= quietMs) return;
    // Behind a load balancer the deliveries may go to another instance: the shared log has the last word.
    const latest = await deps.latestGenuineAt().catch(() => null);
    if (latest && latest > lastGenuineAt) {
      lastGenuineAt = latest;
      if (now.getTime() - latest.getTime() <= quietMs) return;
    }
    fold(silenceSignal(lastGenuineAt, now, quietMs));
  }

  /** What is wrong right now, from the unresolved incidents held here. */
  function liveStatus(): LiveStatus {
    const viewed: ViewedIncident[] = [...lives.values()].map((l) => ({
      id: l.id,
      kind: l.kind,
      fingerprint: l.fingerprint,
      state: l.state,
      acknowledgedBy: l.acknowledgedBy,
      firstSeenAt: l.firstSeenAt,
      lastSeenAt: l.lastSeenAt,
      facts: l.facts,
      cleared: clearOf(l) !== null,
    }));
    return liveStatusOf(viewed, { now: clock(), lastDeliveryAt: lastGenuineAt, clerkGraceMs });
  }

  /** Pushes the live status when its problems differ from the last push (the same status is not sent twice). */
  function statusMayHaveChanged() {
    if (!deps.statusChanged) return;
    const status = liveStatus();
    const key = JSON.stringify(status.problems);
    if (key === lastStatusKey) return;
    lastStatusKey = key;
    deps.statusChanged(status);
  }

  async function tickOnce() {
    const now = clock();
    await checkSilence(now);
    let databaseUp = true;
    for (const live of [...lives.values()]) {
      const written = await persist(live);
      if (!written) databaseUp = false;
      // Alert even when it could not be written: a storage outage must reach someone while it lasts.
      if (live.openAlertDue) {
        live.openAlertDue = false;
        live.lastAlertAt = now;
        alert('opened', summaryOfLive(live));
      }
    }
    if (!databaseUp) return;
    try {
      await syncFromDatabase();
      for (const live of [...lives.values()]) {
        const reason = await clearedBecause(live);
        if (reason) {
          await autoResolve(live, reason);
          continue;
        }
        if (
          opts.reminderMs !== null &&
          live.state === 'open' &&
          live.lastAlertAt &&
          now.getTime() - live.lastAlertAt.getTime() >= opts.reminderMs
        ) {
          if (await deps.repo.claimReminder(live.id, new Date(now.getTime() - opts.reminderMs), now)) {
            live.lastAlertAt = now;
            const row = await deps.repo.get(live.id);
            if (row) alert('reminder', toIncidentSummary(row));
          }
        }
      }
      await flushRecords();
    } catch (err) {
      deps.logger.warn({ err }, 'incident checks failed; trying again at the next tick');
    }
  }

  function tick(): Promise<void> {
    // one at a time; a caller that asks meanwhile waits for a fresh one
    const run = (ticking ?? Promise.resolve())
      .then(async () => {
        try {
          await tickOnce();
        } finally {
          // what other instances opened or resolved, what resolved here, Clerk trouble past its retry
          statusMayHaveChanged();
        }
      })
      .catch((err: unknown) => deps.logger.error({ err }, 'incident tick failed'));
    ticking = run;
    return run;
  }

  // Writes are chained: a caller that flushes waits for every record queued before its call.
  let flushChain: Promise<void> = Promise.resolve();
  function flushRecords(): Promise<void> {
    flushChain = flushChain.then(async () => {
      // An alert of an incident not written yet (storage outage) waits for it.
      const ready = pendingRecords.filter((r) => r.incidentId === null || storedIds.has(r.incidentId));
      if (ready.length === 0) return;
      pendingRecords = pendingRecords.filter((r) => !ready.includes(r));
      try {
        await deps.repo.addAlerts(ready.map((r): NewAlert => ({ ...r })));
      } catch (err) {
        pendingRecords.unshift(...ready);
        deps.logger.warn({ err }, 'alert records could not be written yet');
      }
    });
    return flushChain;
  }

  // ---- operator actions and reads ----

  async function mustGet(id: string): Promise<IncidentRow> {
    const row = await deps.repo.get(id);
    if (!row) throw notFound(`Incident ${id}`);
    return row;
  }

  async function detail(id: string): Promise<IncidentDetail> {
    const row = await mustGet(id);
    const affected = parseAffected(row.affected);
    const outcomes = await deps.eventOutcomes(affected.events.map((e) => e.id));
    const events: AffectedEvent[] = affected.events.map((e) => ({ ...e, outcome: outcomes.get(e.id) ?? null }));
    return {
      ...toIncidentSummary(row),
      affected: { events, deliveryIds: affected.deliveryIds, userIds: affected.userIds },
      alerts: await deps.repo.alertsOf(id),
    };
  }

  /** The configured channels and how each one's last alert went. */
  async function channels(): Promise<AlertChannelDto[]> {
    const out: AlertChannelDto[] = [];
    for (const c of deps.channels) {
      const mem = lastByChannel.get(c.name);
      const last = mem
        ? { status: mem.status, error: mem.error, at: mem.at.toISOString() }
        : await deps.repo.lastAlertOf(c.name).then((a) => (a ? { status: a.status, error: a.error, at: a.at } : null));
      out.push({
        name: c.name,
        target: c.target,
        lastStatus: last?.status ?? null,
        lastError: last?.error ?? null,
        lastAt: last?.at ?? null,
        failing: last?.status === 'failed',
      });
    }
    return out;
  }

  function forget(row: IncidentRow) {
    const live = lives.get(row.fingerprint);
    if (live && live.id === row.id) {
      if (row.state === 'resolved') lives.delete(row.fingerprint);
      else {
        live.state = row.state === 'acknowledged' ? 'acknowledged' : 'open';
        live.acknowledgedBy = row.acknowledgedBy;
      }
    }
    statusMayHaveChanged();
  }

  return {
    observer,

    /** A Backend API answer (the Clerk client's onResponse). */
    clerkResponse(status: number) {
      take(fromClerkResponse(status, clock()));
    },

    /** The Clerk client will try a failed call again in `retryInMs` (its onRetry, after the answer's onResponse). */
    clerkRetrying(info: { status: number; retryInMs: number }) {
      const now = clock();
      const { fingerprint, facts } = clerkRetryFacts(info.status, info.retryInMs, now);
      // the answer was not reported (a client without onResponse): it counts as the failure
      if (!learn(fingerprint, facts)) {
        const { signal } = fromClerkResponse(info.status, now);
        if (signal) take({ signal: { ...signal, facts: { ...signal.facts, ...facts } }, clears: [] });
      }
    },

    /** What is wrong right now (GET /api/live, the overview): answered from memory, so also while the database is down. */
    liveStatus,

    /** A reconcile run's figures (progress after a fix, or its end). */
    reconcileChanged(run: ReconcileRunDto) {
      take(fromReconcile(run, clock()));
    },

    tick,

    start() {
      if (timer) return;
      // the last genuine delivery before a restart (silence is judged from it, once the usual quiet is known)
      void deps
        .latestGenuineAt()
        .then((at) => {
          if (at && (!lastGenuineAt || at > lastGenuineAt)) lastGenuineAt = at;
        })
        .catch(() => {});
      void tick();
      timer = setInterval(() => void tick(), tickMs);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
      // alerts still being retried get a moment, not the whole backoff
      await Promise.race([dispatcher.settle(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await flushRecords();
      dispatcher.close();
    },

    /** Waits until every alert started so far was sent or gave up, and its record was written (tests). */
    async settle() {
      await dispatcher.settle();
      await flushRecords();
    },

    async list(
      state: IncidentState | undefined,
      cursor: [string, string] | null,
      limit: number,
    ): Promise<IncidentPage> {
      const page = await deps.repo.list(state, cursor, limit);
      return { ...page, openCount: await deps.repo.countOpen() };
    },

    detail,

    async acknowledge(id: string, note: string | null, operator: OperatorDto): Promise<IncidentDetail> {
      const row = await deps.repo.acknowledge(id, operator.email, note, clock());
      if (!row) {
        const current = await mustGet(id);
        throw new AppError(
          'incident_not_open',
          409,
          `Incident ${id} is ${current.state}: only an open incident can be acknowledged.`,
        );
      }
      forget(row);
      deps.notify(toIncidentSummary(row));
      await deps.audit.record(operator.email, 'incident_acknowledge', id, { title: row.title, note });
      return detail(id);
    },

    async resolve(id: string, note: string | null, operator: OperatorDto): Promise<IncidentDetail> {
      const row = await deps.repo.resolve(id, operator.email, note, clock());
      if (!row) {
        await mustGet(id);
        throw new AppError('incident_resolved', 409, `Incident ${id} is resolved already.`);
      }
      forget(row);
      const summary = toIncidentSummary(row);
      deps.notify(summary);
      alert('resolved', summary);
      await deps.audit.record(operator.email, 'incident_resolve', id, { title: row.title, note });
      return detail(id);
    },

    /** Replays the affected events still failed or quarantined (the cause fixed); the incident resolves once all apply. */
    async replay(id: string, operator: OperatorDto): Promise<IncidentReplayResult> {
      const row = await mustGet(id);
      if (row.kind !== 'apply_failed') {
        throw new AppError(
          'not_replayable',
          409,
          `Incident ${id} is not about failed applies: it has no events to replay.`,
        );
      }
      const affected = parseAffected(row.affected).events;
      const outcomes = await deps.eventOutcomes(affected.map((e) => e.id));
      const stuck = affected.filter((e) => {
        const o = outcomes.get(e.id);
        return (o === 'failed' || o === 'quarantined') && e.deliveryId !== null;
      });
      if (stuck.length === 0)
        throw new AppError('nothing_to_replay', 409, `Every affected event of incident ${id} is applied already.`);
      const results: ReplayResult[] = [];
      for (const e of stuck) results.push(await deps.replayDelivery(e.deliveryId!, operator));
      const byOutcome: Record<string, number> = {};
      for (const r of results) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
      await deps.audit.record(operator.email, 'incident_replay', id, { replayed: results.length, outcomes: byOutcome });
      await tick(); // resolves it now when every event applied
      return { incidentId: id, replayed: results.length, results };
    },

    channels,

    /** Sends a test alert to one channel (or all) and waits for the outcome (retries included). */
    async sendTest(channel: AlertChannelName | undefined, operator: OperatorDto): Promise<AlertChannelDto[]> {
      if (deps.channels.length === 0) {
        throw new AppError(
          'no_alert_channels',
          409,
          'No alert channel is configured: set ALERT_WEBHOOK_URL, ALERT_SLACK_WEBHOOK_URL or SMTP_URL with ALERT_EMAIL_FROM and ALERT_EMAIL_TO.',
        );
      }
      if (channel && !deps.channels.some((c) => c.name === channel)) {
        throw new AppError('channel_not_configured', 404, `The ${channel} alert channel is not configured.`);
      }
      const now = clock().toISOString();
      const test: IncidentSummary = {
        id: 'test',
        kind: 'apply_failed',
        fingerprint: 'test',
        title: 'Test alert',
        cause: `A test alert sent by ${operator.email} from the Admin page: this channel works.`,
        state: 'open',
        firstSeenAt: now,
        lastSeenAt: now,
        count: 0,
        quarantined: 0,
        affectedCounts: { events: 0, deliveries: 0, users: 0 },
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        resolvedBy: null,
        note: null,
      };
      const outcomes = await dispatcher.send('test', bodyOf('test', test), null, channel);
      await flushRecords();
      await deps.audit.record(
        operator.email,
        'alert_test',
        channel ?? 'all',
        Object.fromEntries(outcomes.map((o) => [o.channel, o.status === 'sent' ? 'sent' : `failed: ${o.error}`])),
      );
      const all = await channels();
      return all.filter((c) => !channel || c.name === channel);
    },
  };
}

export type IncidentsService = ReturnType<typeof createIncidentsService>;

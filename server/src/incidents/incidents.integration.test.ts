// Incidents and alerts end to end: real HTTP webhooks into the monitor, a real local HTTP receiver for the
// signed webhook and Slack channels, and a real local SMTP server for email, on both providers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'svix';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutage } from '../test/outage.ts';
import { TEST_PROVIDERS } from '../test/db.ts';
import { newSecret, startTestServer, type TestServer } from '../test/harness.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';
import type { ParsedEvent } from '../webhooks/clerk-event.ts';
import type {
  AlertBody,
  AlertChannelDto,
  AuditEntryDto,
  IncidentDetail,
  IncidentPage,
  IncidentReplayResult,
  IncidentSummary,
  Page,
} from '../contract.ts';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** An HTTP receiver for the webhook (/hook) and Slack (/slack) channels; `answer` decides each status. */
async function startReceiver() {
  const received: Received[] = [];
  let answer: (path: string) => number = () => 200;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      const status = answer(req.url ?? '');
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver down');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    setAnswer(fn: (path: string) => number) {
      answer = fn;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A local SMTP server that keeps every message. */
async function startSmtp() {
  const mails: { to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

/** A fault in the ingest transaction that the store reads as "the database is unavailable" (→ 503). */
const storageDown = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

const ALERT_SECRET = newSecret();

describe.each(TEST_PROVIDERS)('incidents and alerts on %s', (provider) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const faults = { storage: false, poisonUser: null as string | null, failType: null as string | null };

  beforeAll(async () => {
    receiver = await startReceiver();
    smtp = await startSmtp();
    s = await startTestServer(provider, {
      env: {
        PUBLIC_URL: 'https://monitor.example.test',
        ALERT_WEBHOOK_URL: `${receiver.url}/hook`,
        ALERT_WEBHOOK_SECRET: ALERT_SECRET,
        ALERT_SLACK_WEBHOOK_URL: `${receiver.url}/slack`,
        SMTP_URL: smtp.url,
        ALERT_EMAIL_FROM: 'monitor@example.test',
        ALERT_EMAIL_TO: 'oncall@example.test, lead@example.test',
        QUARANTINE_AFTER_ATTEMPTS: '3',
      },
      incidents: { tickMs: 100, retry: { retries: 3, minTimeoutMs: 20, maxTimeoutMs: 100 } },
      onApplied: (e: ParsedEvent) => {
        if (faults.storage) throw storageDown();
        if (faults.poisonUser && e.kind === 'user.upsert' && e.userId === faults.poisonUser)
          throw new Error(`cannot apply ${e.userId}: poison`);
        if (faults.failType && e.kind === 'user.upsert' && e.data.first_name === faults.failType)
          throw new Error('constraint failed: first_name');
      },
    });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    await receiver?.close();
    await smtp?.close();
  });
  afterEach(async () => {
    faults.storage = false;
    faults.poisonUser = null;
    faults.failType = null;
    receiver.setAnswer(() => 200);
    await s.services.incidents.settle();
    receiver.received.length = 0;
    smtp.mails.length = 0;
  });

  const incidentsOf = async (kind: IncidentSummary['kind']) =>
    (await json<IncidentPage>(s.api('/api/incidents?limit=200'))).items.filter((i) => i.kind === kind);
  const alertsOf = (path: string, incidentId: string, type?: AlertBody['type']) =>
    receiver.received.filter((r) => {
      if (r.path !== path) return false;
      if (path === '/slack')
        return (
          r.body.includes(incidentId) &&
          (!type || r.body.includes(type === 'incident.resolved' ? 'Resolved:' : 'Incident opened:'))
        );
      const b = JSON.parse(r.body) as AlertBody;
      return b.incident.id === incidentId && (!type || b.type === type);
    });
  const mailsOf = (incidentId: string, subject?: string) =>
    smtp.mails.filter((m) => m.raw.includes(incidentId) && (!subject || m.raw.includes(subject)));

  it(
    'a storage outage opens an incident, alerts once per channel within 30 s; the recovery resolves it and alerts again',
    { timeout: 60_000 },
    async () => {
      faults.storage = true;
      const events = Array.from({ length: 20 }, (_, i) => {
        const u = makeUser();
        return {
          svixId: `msg_outage_${provider}_${i}`,
          body: JSON.stringify(makeEvent('user.created', u, u.updated_at)),
        };
      });
      const statuses = await Promise.all(
        events.map(async (e) => (await s.deliver(e.body, { svixId: e.svixId })).status),
      );
      expect(statuses.every((x) => x === 503)).toBe(true);

      const [incident] = await until('the outage incident', async () => {
        const found = await incidentsOf('storage_unavailable');
        return found.length && found[0]!.count === 20 ? found : null;
      });
      expect(incident).toMatchObject({ state: 'open', title: 'Storage refuses webhooks (503)', count: 20 });
      await until(
        'one alert per channel',
        () =>
          alertsOf('/hook', incident!.id).length >= 1 &&
          alertsOf('/slack', incident!.id).length >= 1 &&
          mailsOf(incident!.id).length >= 1,
      );

      // the signed JSON verifies with svix and names the monitor, the incident and a link
      const hook = alertsOf('/hook', incident!.id)[0]!;
      const verified = new Webhook(ALERT_SECRET).verify(hook.body, hook.headers) as AlertBody;
      expect(verified).toMatchObject({
        type: 'incident.opened',
        monitor: 'https://monitor.example.test',
        incident: {
          id: incident!.id,
          kind: 'storage_unavailable',
          state: 'open',
          count: expect.any(Number),
          url: `https://monitor.example.test/incidents/${incident!.id}`,
        },
      });
      expect(() => new Webhook(newSecret()).verify(hook.body, hook.headers)).toThrow();
      expect(alertsOf('/slack', incident!.id)[0]!.body).toContain(
        `https://monitor.example.test/incidents/${incident!.id}`,
      );
      expect(mailsOf(incident!.id)[0]!.to).toEqual(['oncall@example.test', 'lead@example.test']);

      // recovery: Svix's retries are stored, the incident resolves by itself and alerts again
      faults.storage = false;
      for (const e of events) expect((await s.deliver(e.body, { svixId: e.svixId })).status).toBe(200);
      const resolved = await until('the auto-resolve', async () => {
        const d = await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`));
        return d.state === 'resolved' ? d : null;
      });
      expect(resolved.resolvedBy).toBe('auto');
      expect(resolved.note).toMatch(/Resolved by itself/);
      await until(
        'the resolve alerts',
        () =>
          alertsOf('/hook', incident!.id, 'incident.resolved').length === 1 &&
          alertsOf('/slack', incident!.id, 'incident.resolved').length === 1 &&
          mailsOf(incident!.id, 'Resolved').length === 1,
      );
      await s.services.incidents.settle();
      // once per channel when it opened, once when it resolved: no storm
      expect(alertsOf('/hook', incident!.id, 'incident.opened')).toHaveLength(1);
      expect(alertsOf('/slack', incident!.id, 'incident.opened')).toHaveLength(1);
      expect(mailsOf(incident!.id)).toHaveLength(2);
      const detail = await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`));
      expect(
        detail.alerts
          .filter((a) => a.status === 'sent')
          .map((a) => `${a.channel}:${a.kind}`)
          .sort(),
      ).toEqual([
        'email:opened',
        'email:resolved',
        'slack:opened',
        'slack:resolved',
        'webhook:opened',
        'webhook:resolved',
      ]);
    },
  );

  it('a burst of 1,000 failures is one incident and one alert', { timeout: 120_000 }, async () => {
    faults.failType = `Burst${provider}`;
    const users = Array.from({ length: 1000 }, () => makeUser({ first_name: faults.failType! }));
    // 50 at once: under WEBHOOK_MAX_OPEN_PER_IP (64), which would answer the rest 429 before any apply
    for (let i = 0; i < users.length; i += 50) {
      const statuses = await Promise.all(
        users.slice(i, i + 50).map(async (u) => (await s.deliver(makeEvent('user.created', u, u.updated_at))).status),
      );
      expect(statuses.every((x) => x === 500)).toBe(true);
    }
    await s.services.incidents.tick();
    await s.services.incidents.settle();
    const applyIncidents = (await incidentsOf('apply_failed')).filter(
      (i) => i.title === 'Applying user.created events fails' && i.cause.includes('first_name'),
    );
    expect(applyIncidents).toHaveLength(1);
    expect(applyIncidents[0]).toMatchObject({
      count: 1000,
      state: 'open',
      affectedCounts: { events: 1000, deliveries: 1000, users: 1000 },
    });
    expect(alertsOf('/hook', applyIncidents[0]!.id)).toHaveLength(1);
    expect(alertsOf('/slack', applyIncidents[0]!.id)).toHaveLength(1);
    expect(mailsOf(applyIncidents[0]!.id)).toHaveLength(1);
    // tidy up for the other tests: resolved by an operator
    expect(
      (
        await s.api(`/api/incidents/${applyIncidents[0]!.id}/resolve`, {
          method: 'POST',
          body: JSON.stringify({ note: 'load test' }),
        })
      ).status,
    ).toBe(200);
  });

  it(
    'a poison event is retried, then quarantined with a 2xx, then applied by a replay once the cause is fixed',
    { timeout: 60_000 },
    async () => {
      const user = makeUser();
      faults.poisonUser = user.id;
      const body = JSON.stringify(makeEvent('user.created', user, user.updated_at));
      const svixId = `msg_poison_${provider}`;
      const first = await s.deliver(body, { svixId });
      expect(first.status).toBe(500);
      expect((await s.deliver(body, { svixId })).status).toBe(500);
      const third = await s.deliver(body, { svixId });
      expect(third.status).toBe(200);
      expect(await third.json()).toEqual({ ok: true, svixId, outcome: 'quarantined' });
      // Svix would stop here; a stray retry is acknowledged and changes nothing
      expect(await json(s.deliver(body, { svixId }))).toEqual({ ok: true, svixId, outcome: 'duplicate' });
      const event = await s.db.prisma.event.findUniqueOrThrow({ where: { svixId } });
      expect(event).toMatchObject({ outcome: 'quarantined', payload: body });
      expect(await s.db.prisma.user.findUnique({ where: { id: user.id } })).toBeNull();

      await s.services.incidents.tick();
      const [incident] = (await incidentsOf('apply_failed')).filter(
        (i) => i.state !== 'resolved' && i.cause.includes('poison'),
      );
      expect(incident).toMatchObject({ count: 3, quarantined: 1, affectedCounts: { events: 1, users: 1 } });
      const before = await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`));
      expect(before.affected.events).toEqual([
        expect.objectContaining({ svixId, outcome: 'quarantined', userId: user.id }),
      ]);

      // still broken: the replay fails, the event stays quarantined, the incident stays open
      const failedReplay = await json<IncidentReplayResult>(
        s.api(`/api/incidents/${incident!.id}/replay`, { method: 'POST' }),
      );
      expect(failedReplay.results).toEqual([expect.objectContaining({ outcome: 'quarantined' })]);
      expect((await s.db.prisma.event.findUniqueOrThrow({ where: { svixId } })).outcome).toBe('quarantined');

      faults.poisonUser = null; // the cause is fixed
      const replay = await json<IncidentReplayResult>(
        s.api(`/api/incidents/${incident!.id}/replay`, { method: 'POST' }),
      );
      expect(replay).toMatchObject({
        incidentId: incident!.id,
        replayed: 1,
        results: [expect.objectContaining({ svixId, outcome: 'applied' })],
      });
      expect(await s.db.prisma.user.findUnique({ where: { id: user.id } })).toMatchObject({ id: user.id });
      expect((await s.db.prisma.event.findUniqueOrThrow({ where: { svixId } })).outcome).toBe('applied');
      const after = await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`));
      expect(after).toMatchObject({ state: 'resolved', resolvedBy: 'auto' });
      const again = await s.api(`/api/incidents/${incident!.id}/replay`, { method: 'POST' });
      expect(again.status).toBe(409);
      const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=incident_replay'));
      expect(audit.items[0]).toMatchObject({
        target: incident!.id,
        summary: { replayed: 1, outcomes: { applied: 1 } },
      });
    },
  );

  it(
    'an alert channel that is down is retried and shown as failing; a test alert shows it back',
    { timeout: 60_000 },
    async () => {
      receiver.setAnswer((path) => (path === '/hook' ? 503 : 200));
      const user = makeUser();
      faults.poisonUser = user.id;
      expect((await s.deliver(makeEvent('user.created', user, user.updated_at))).status).toBe(500);
      await s.services.incidents.tick();
      await s.services.incidents.settle();
      const [incident] = (await incidentsOf('apply_failed')).filter(
        (i) => i.state === 'open' && i.cause.includes('poison'),
      );
      // 1 attempt + 3 retries, then given up (recorded with why)
      expect(alertsOf('/hook', incident!.id)).toHaveLength(4);
      expect(alertsOf('/slack', incident!.id)).toHaveLength(1);
      const detail = await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`));
      expect(detail.alerts.find((a) => a.channel === 'webhook')).toMatchObject({
        status: 'failed',
        attempts: 4,
        error: expect.stringContaining('HTTP 503'),
      });
      expect(detail.alerts.find((a) => a.channel === 'slack')).toMatchObject({ status: 'sent', attempts: 1 });
      const channels = await json<AlertChannelDto[]>(s.api('/api/incidents/channels'));
      expect(channels.find((c) => c.name === 'webhook')).toMatchObject({
        failing: true,
        lastStatus: 'failed',
        lastError: expect.stringContaining('HTTP 503'),
      });
      expect(channels.find((c) => c.name === 'email')).toMatchObject({
        failing: false,
        target: expect.stringContaining('oncall@example.test'),
      });
      expect(JSON.stringify(channels)).not.toContain(ALERT_SECRET);

      // it comes back; the Admin page's test alert shows that
      receiver.setAnswer(() => 200);
      const tested = await json<AlertChannelDto[]>(
        s.api('/api/admin/alert-channels/test', { method: 'POST', body: JSON.stringify({ channel: 'webhook' }) }),
      );
      expect(tested).toEqual([expect.objectContaining({ name: 'webhook', failing: false, lastStatus: 'sent' })]);
      const test = receiver.received.filter((r) => r.path === '/hook').at(-1)!;
      expect(new Webhook(ALERT_SECRET).verify(test.body, test.headers)).toMatchObject({ type: 'incident.test' });
      expect(
        (await s.api('/api/admin/alert-channels/test', { method: 'POST', body: JSON.stringify({ channel: 'pager' }) }))
          .status,
      ).toBe(400);
      faults.poisonUser = null;
      await s.api(`/api/incidents/${incident!.id}/resolve`, { method: 'POST', body: '{}' });
    },
  );

  it('acknowledge and resolve take a note, are audited, and refuse what makes no sense', async () => {
    const user = makeUser({ first_name: `Ack${provider}` });
    faults.failType = user.first_name;
    expect((await s.deliver(makeEvent('user.created', user, user.updated_at))).status).toBe(500);
    await s.services.incidents.tick();
    const [incident] = (await incidentsOf('apply_failed')).filter(
      (i) => i.state === 'open' && i.cause.includes('first_name'),
    );
    const post = (path: string, body: unknown) =>
      s.api(`/api/incidents/${incident!.id}/${path}`, { method: 'POST', body: JSON.stringify(body) });

    const tooLong = await post('acknowledge', { note: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect((await post('acknowledge', { note: 'ok', extra: 1 })).status).toBe(400);
    expect((await s.api('/api/incidents/inc_doesnotexist/acknowledge', { method: 'POST', body: '{}' })).status).toBe(
      404,
    );
    expect((await s.api('/api/incidents/not-an-id')).status).toBe(400);
    expect((await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`))).state).toBe('open');

    const acked = await json<IncidentDetail>(post('acknowledge', { note: 'looking into it' }));
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'admin@test.local', note: 'looking into it' });
    expect((await post('acknowledge', {})).status).toBe(409);
    // more of the same failure folds into the acknowledged incident
    expect(
      (await s.deliver(makeEvent('user.updated', { ...user, updated_at: user.updated_at + 1 }, user.updated_at + 1)))
        .status,
    ).toBe(500);
    const resolved = await json<IncidentDetail>(post('resolve', { note: 'fixed the constraint' }));
    expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'admin@test.local', note: 'fixed the constraint' });
    expect((await post('resolve', {})).status).toBe(409);
    const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit'));
    expect(audit.items.filter((a) => a.target === incident!.id).map((a) => [a.action, a.summary.note])).toEqual([
      ['incident_resolve', 'fixed the constraint'],
      ['incident_acknowledge', 'looking into it'],
    ]);
    const list = await json<IncidentPage>(s.api('/api/incidents?state=resolved'));
    expect(list.items.every((i) => i.state === 'resolved')).toBe(true);
    expect(list.items.some((i) => i.id === incident!.id)).toBe(true);
    expect((await s.api('/api/incidents?state=closed')).status).toBe(400);
    expect((await s.api('/api/incidents?cursor=garbage')).status).toBe(400);
  });
});

describe.each(TEST_PROVIDERS)('silence on %s', (provider) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(provider, {
      env: {
        ALERT_SILENCE_MINUTES: '0.01',
        ALERT_WEBHOOK_URL: `${receiver.url}/hook`,
        ALERT_WEBHOOK_SECRET: ALERT_SECRET,
      },
      incidents: { tickMs: 100, retry: { retries: 1, minTimeoutMs: 20, maxTimeoutMs: 50 }, quiet: { minGaps: 5 } },
    });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    await receiver?.close();
  });

  it(
    'no genuine delivery for longer than the usual quiet (at least ALERT_SILENCE_MINUTES) opens an incident; the next delivery resolves it',
    { timeout: 30_000 },
    async () => {
      // nothing is called silence before the usual quiet is known
      await new Promise((r) => setTimeout(r, 1_000));
      await s.services.incidents.tick();
      expect((await json<IncidentPage>(s.api('/api/incidents'))).items.filter((i) => i.kind === 'silence')).toEqual([]);
      for (let i = 0; i < 6; i++) {
        const u = makeUser();
        expect((await s.deliver(makeEvent('user.created', u, u.updated_at))).status).toBe(200);
      }
      const [incident] = await until('the silence incident', async () => {
        const found = (await json<IncidentPage>(s.api('/api/incidents'))).items.filter(
          (i) => i.kind === 'silence' && i.state === 'open',
        );
        return found.length ? found : null;
      });
      expect(incident!.title).toBe('No webhooks from Clerk');
      await until('the silence alert', () =>
        receiver.received.some((r) => (JSON.parse(r.body) as AlertBody).incident.id === incident!.id),
      );
      // an unsigned request is not a sign of life
      await s.deliver({ type: 'user.created' }, { secret: newSecret() });
      await s.services.incidents.tick();
      expect((await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`))).state).toBe('open');
      const u = makeUser();
      expect((await s.deliver(makeEvent('user.created', u, u.updated_at))).status).toBe(200);
      await s.services.incidents.tick();
      const after = await json<IncidentDetail>(s.api(`/api/incidents/${incident!.id}`));
      expect(after).toMatchObject({ state: 'resolved', resolvedBy: 'auto' });
    },
  );
});

// The database itself goes away (a cut TCP link to PostgreSQL, as in the fault suite): the incident cannot be
// written, yet its alert goes out while the outage lasts; once the database is back it is written, resolves by
// itself, and its alert records are kept.
describe('storage outage with the database really down (postgresql)', () => {
  it(
    'alerts while the database is unreachable, then writes, resolves and records it',
    { timeout: 90_000 },
    async () => {
      const outage = await createOutage('postgresql');
      const { db, direct } = outage;
      const receiver = await startReceiver();
      const s = await startTestServer('postgresql', {
        db,
        env: { ALERT_WEBHOOK_URL: `${receiver.url}/hook`, ALERT_WEBHOOK_SECRET: ALERT_SECRET },
        incidents: { tickMs: 100, retry: { retries: 2, minTimeoutMs: 20, maxTimeoutMs: 100 } },
      });
      try {
        const events = Array.from({ length: 5 }, (_, i) => {
          const u = makeUser();
          return { svixId: `msg_pgdown_${i}`, body: JSON.stringify(makeEvent('user.created', u, u.updated_at)) };
        });
        outage.cut();
        const statuses = await Promise.all(
          events.map(async (e) => (await s.deliver(e.body, { svixId: e.svixId })).status),
        );
        expect(
          statuses.every((x) => x === 503),
          statuses.join(','),
        ).toBe(true);
        const opened = await until('the alert during the outage', () =>
          receiver.received
            .map((r) => new Webhook(ALERT_SECRET).verify(r.body, r.headers) as AlertBody)
            .find((b) => b.type === 'incident.opened'),
        );
        expect(opened.incident).toMatchObject({ kind: 'storage_unavailable', state: 'open' });
        expect((await fetch(`${s.url}/healthz`)).status).toBe(503); // it really was down while alerting

        outage.restore();
        for (const e of events)
          await until(`${e.svixId} stored`, async () => (await s.deliver(e.body, { svixId: e.svixId })).ok);
        const resolved = await until('the incident written and resolved', async () => {
          const row = await direct.prisma.incident.findUnique({ where: { id: opened.incident.id } });
          return row?.state === 'resolved' ? row : null;
        });
        expect(resolved).toMatchObject({ kind: 'storage_unavailable', resolvedBy: 'auto', count: 5 });
        await until('the resolve alert', () =>
          receiver.received.some((r) => (JSON.parse(r.body) as AlertBody).type === 'incident.resolved'),
        );
        await s.services.incidents.settle();
        const alerts = await direct.prisma.incidentAlert.findMany({
          where: { incidentId: opened.incident.id },
          orderBy: { id: 'asc' },
        });
        expect(alerts.map((a) => `${a.kind}:${a.status}`)).toEqual(['opened:sent', 'resolved:sent']);
      } finally {
        outage.restore();
        await s.close();
        await receiver.close();
        await outage.close();
      }
    },
  );
});

// Fault suite — secrets never leak: after a realistic session (sign-in mistakes, sign-ins, invitations,
// API tokens, signed and forged webhooks from the emulator, a resync against its Backend API, a replay,
// sign out everywhere), the webhook signing secret, the Clerk secret key, every password, API token and
// session token are absent from the logs (pino at trace), from every API answer and from every stored row
// of the delivery log, events and audit trail.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, ADMIN, type TestServer } from '../test/harness.ts';
import { createLogger } from '../lib/logger.ts';
import { createEmulator, generateSecretKey, generateSigningSecret, type Emulator } from '../../../emulator/emulator.ts';
import type { CreateOperatorResult, CreatedApiToken, DeliverySummary, Page } from '../contract.ts';

describe('fault suite: secrets never leak', () => {
  let s: TestServer | undefined;
  let emulator: Emulator | undefined;
  afterAll(async () => {
    await emulator?.close();
    await s?.close();
  });

  it('keeps secrets out of logs, API answers and stored rows', { timeout: 60_000 }, async () => {
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const signingSecret = generateSigningSecret();
    const secretKey = generateSecretKey();
    emulator = createEmulator({
      signingSecret,
      secretKey,
      targets: [],
      timeFactor: 0.0001,
      rateLimit: null,
      seed: 11,
      seedUsers: 0,
      faults: { badSignature: 0.3 },
    });
    const { url: clerkUrl } = await emulator.listen();
    s = await startTestServer('sqlite', {
      secrets: [signingSecret],
      clerkApiUrl: clerkUrl,
      clerkSecretKey: secretKey,
      logger: createLogger('trace', sink),
    });
    emulator.addTarget(`${s.url}/api/webhooks/clerk`);

    const answers: string[] = [];
    const record = async (res: Response | Promise<Response>) => {
      const r = await res;
      const text = await r.text();
      answers.push(`${r.status} ${JSON.stringify([...r.headers].filter(([k]) => k !== 'set-cookie'))} ${text}`);
      return text;
    };
    const secrets: Record<string, string> = {
      signingSecret,
      signingKey: signingSecret.slice('whsec_'.length),
      secretKey,
      adminPassword: ADMIN.password,
    };

    // sign-in mistakes and sign-ins
    const wrong = 'Wr0ng-Passw0rd-Typed';
    secrets.wrongPassword = wrong;
    await record(
      fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN.email, password: wrong }),
      }),
    );
    const admin = await s.signInAs(ADMIN);
    secrets.adminSession = decodeURIComponent(admin.cookie.split('csm_session=')[1]!.split(';')[0]!);
    // an invitation with a password, one with a one-time password, an API token
    const opPassword = 'operator-secret-password';
    secrets.operatorPassword = opPassword;
    await record(
      admin.api('/api/admin/operators', {
        method: 'POST',
        body: JSON.stringify({ email: 'op@test.local', role: 'operator', password: opPassword }),
      }),
    );
    const invited = JSON.parse(
      await record(
        admin.api('/api/admin/operators', {
          method: 'POST',
          body: JSON.stringify({ email: 'otp@test.local', role: 'viewer' }),
        }),
      ),
    ) as CreateOperatorResult;
    const created = JSON.parse(
      await record(
        admin.api('/api/admin/tokens', {
          method: 'POST',
          body: JSON.stringify({ name: 'automation', role: 'operator' }),
        }),
      ),
    ) as CreatedApiToken;
    const op = await s.signInAs({ email: 'op@test.local', password: opPassword });
    secrets.operatorSession = decodeURIComponent(op.cookie.split('csm_session=')[1]!.split(';')[0]!);

    // Clerk activity: signed webhooks, some deliberately mis-signed, retried until delivered
    for (let i = 0; i < 10; i++) emulator.createUser();
    for (let i = 0; i < 60; i++) emulator.activityTick();
    await emulator.settled();
    const userId = emulator.store.users()[0]!.id;
    // operator work: a resync against the Backend API (Bearer sk_…), through an API token too; a replay
    await record(op.api(`/api/users/${userId}/compare`));
    await record(op.api(`/api/users/${userId}/resync`, { method: 'POST' }));
    await record(
      fetch(`${s.url}/api/users/${userId}/resync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.secret}` },
      }),
    );
    await record(fetch(`${s.url}/api/events`, { headers: { authorization: `Bearer ${created.secret}x` } }));
    const deliveries = JSON.parse(await record(op.api('/api/deliveries?limit=500'))) as Page<DeliverySummary>;
    for (const d of deliveries.items.slice(0, 20)) await record(op.api(`/api/deliveries/${d.id}`));
    const replayable = deliveries.items.find((d) => d.verified);
    if (replayable) await record(op.api(`/api/deliveries/${replayable.id}/replay`, { method: 'POST' }));
    for (const path of [
      '/api/overview',
      '/api/meta',
      '/api/events?limit=500',
      '/api/users',
      '/api/audit',
      '/api/admin/operators',
      '/api/admin/tokens',
      '/api/auth/me',
    ]) {
      await record(admin.api(path));
    }
    await record(op.api('/api/auth/logout-all', { method: 'POST' }));
    await s.services.deliveryLog.flush();

    // shown once, where they belong: never afterwards
    secrets.apiToken = created.secret;
    secrets.oneTimePassword = invited.oneTimePassword!;
    const shownOnce = (v: string) => answers.filter((a) => a.includes(v)).length;
    expect(shownOnce(created.secret)).toBe(1);
    expect(shownOnce(invited.oneTimePassword!)).toBe(1);
    const laterAnswers = answers.filter((a) => !a.includes(created.secret) && !a.includes(invited.oneTimePassword!));

    const p = s.db.prisma;
    const stored = [
      ...(await p.delivery.findMany()).map((d) => `${d.headers} ${d.body} ${d.error ?? ''}`),
      ...(await p.event.findMany()).map((e) => e.payload),
      ...(await p.auditEntry.findMany()).map((a) => `${a.actor} ${a.summary}`),
      ...(await p.apiToken.findMany()).map((t) => JSON.stringify(t)),
      ...(await p.operator.findMany()).map((o) => `${o.email} ${o.passwordHash}`),
    ].join('\n');
    const logText = logs.join('');
    const leaks: string[] = [];
    for (const [name, value] of Object.entries(secrets)) {
      if (logText.includes(value)) leaks.push(`${name} in the logs`);
      if (laterAnswers.some((a) => a.includes(value))) leaks.push(`${name} in an API answer`);
      if (stored.includes(value)) leaks.push(`${name} in a stored row`);
    }
    console.log(
      `secrets: ${Object.keys(secrets).length} secrets checked against ${logs.length} log lines, ${answers.length} API answers, ` +
        `${stored.split('\n').length} stored rows (${await p.delivery.count()} deliveries, ${emulator.deliveries().filter((a) => a.badSignature).length} forged); ${leaks.length} leaks`,
    );
    expect(logs.length).toBeGreaterThan(20);
    expect(leaks).toEqual([]);
  });
});

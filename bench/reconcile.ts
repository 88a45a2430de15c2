// Reconcile duration against Clerk's rate limit (issue #5): the emulator enforces a development instance's
// 100 requests / 10 s, reconcile gets the whole limit (RECONCILE_BUDGET_SHARE=1 here), and the run's duration
// is compared with the least the limit allows for the requests it made when they are spread evenly:
// (requests − 1) × 10 s / 100. Also counts 429s (there should be none). Usage:
//   npx tsx bench/reconcile.ts [users=25000] [drift share=0.03] [budget share=1]
import { startTestServer } from '../server/src/test/harness.ts';
import { createEmulator, generateSecretKey, generateSigningSecret } from '../server/src/clerk/emulator/emulator.ts';
import { DEV_INSTANCE_RATE_LIMIT } from '../server/src/clerk/emulator/rate-limit.ts';
import { createClerkClient } from '../server/src/clerk/clerk-client.ts';
import { createUsersRepository } from '../server/src/users/users.repository.ts';
import type { DbClient } from '../server/src/lib/unit-of-work.ts';
import type { ReconcileRunDto } from '../server/src/contract.ts';

const USERS = Number(process.argv[2] ?? 25_000);
const DRIFT = Number(process.argv[3] ?? 0.03);
const SHARE = Number(process.argv[4] ?? 1);
// requests per 10 s the emulator allows: 100 = a development instance, 1000 = production
const limit = process.argv[5] ? { requests: Number(process.argv[5]), windowMs: 10_000 } : DEV_INSTANCE_RATE_LIMIT;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

const clerk = createEmulator({ signingSecret: generateSigningSecret(), secretKey: generateSecretKey(), targets: [], rateLimit: null, seed: 6 });
const { url } = await clerk.listen(0);
let requests = 0;
let throttled = 0;
const s = await startTestServer('sqlite', {
  secrets: [clerk.signingSecret],
  clerk: createClerkClient({
    apiUrl: url,
    secretKey: clerk.secretKey,
    onResponse: (status) => {
      requests++;
      if (status === 429) throttled++;
    },
  }),
  reconcile: { rateLimit: limit.requests, windowMs: limit.windowMs, budgetShare: SHARE },
});

// Clerk holds USERS users; the local copy holds them too (written directly: the bench is about the run),
// then a few drift: silent updates, deletions and sign-ups.
const users = Array.from({ length: USERS }, () => clerk.createUser({}, { sendWebhook: false }));
for (let i = 0; i < users.length; i += 500) {
  await s.db.prisma.$transaction(async (tx) => {
    const r = createUsersRepository(tx as unknown as DbClient);
    for (const u of users.slice(i, i + 500)) await r.putVersion(u as unknown as Record<string, unknown>, { svixId: null, source: 'webhook' });
  });
}
const n = Math.round((USERS * DRIFT) / 3);
for (const u of users.slice(0, n)) clerk.updateUser(u.id, { first_name: 'Drifted' }, { sendWebhook: false });
for (const u of users.slice(n, 2 * n)) clerk.deleteUser(u.id, { sendWebhook: false });
for (let i = 0; i < n; i++) clerk.createUser({}, { sendWebhook: false });

clerk.setRateLimit(limit);
requests = 0;
const started = (await (await s.api('/api/reconcile', { method: 'POST' })).json()) as ReconcileRunDto;
let run: ReconcileRunDto;
for (;;) {
  run = (await (await s.api(`/api/reconcile/runs/${started.id}`)).json()) as ReconcileRunDto;
  if (run.status !== 'running') break;
  await new Promise((r) => setTimeout(r, 50));
}
clearInterval(sampler);
const durationMs = new Date(run.finishedAt!).getTime() - new Date(run.startedAt).getTime();
const minimumMs = ((requests - 1) * limit.windowMs) / limit.requests;
// what the budget share allows (the rest of the limit is left to the application)
const budgetMinimumMs = minimumMs / SHARE;
console.log(
  JSON.stringify(
    {
      users: clerk.store.users().length,
      status: run.status,
      pages: run.pages,
      found: run.found,
      requests,
      throttled429: throttled,
      limit: `${limit.requests} / ${limit.windowMs / 1000} s`,
      durationMs,
      minimumMs,
      ratio: Number((durationMs / minimumMs).toFixed(3)),
      budgetShare: SHARE,
      budgetMinimumMs,
      ratioToBudget: Number((durationMs / budgetMinimumMs).toFixed(3)),
    },
    null,
    2,
  ),
);
// one line for `npm run bench` (bench/run.ts) to read
console.log(
  `JSON ${JSON.stringify({
    users: clerk.store.users().length,
    status: run.status,
    error: run.error,
    seconds: durationMs / 1000,
    floorSeconds: budgetMinimumMs / 1000,
    ratio: durationMs / budgetMinimumMs,
    throttled: throttled,
    requests,
    share: SHARE,
    limit: limit.requests,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
  })}`,
);
await clerk.close();
await s.close();

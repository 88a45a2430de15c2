// The on-call operator's day: an outage seen live and resolved, a failure a retry recovered, a bulk replay's
// dry run, a one-time password replaced at first sign-in.
import { test, expect, signIn, clerk, storageOutage, screenshot, unique } from './support/fixtures.ts';
import { E2E } from './support/ports.ts';

/** svix-ids the emulator delivered (any attempt answered `status`) that were not among `before`. */
async function newMessages(before: Set<string>, status: number) {
  return [
    ...new Set(
      (await clerk.deliveries()).filter((d) => d.status === status && !before.has(d.svixId)).map((d) => d.svixId),
    ),
  ];
}
const knownMessages = async () => new Set((await clerk.deliveries()).map((d) => d.svixId));

test('a 503 outage shows live on the overview, then resolves; the retried message shows as recovered', async ({
  page,
}) => {
  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  const before = await knownMessages();

  // storage refuses webhooks: Svix's retries (at 1/500 of its schedule) keep failing while it lasts
  await storageOutage(60_000);
  const user = await clerk.createUser({ first_name: unique('Outage') });
  const banner = page.getByRole('alert').filter({ hasText: 'Webhooks are being refused: database unavailable since' });
  await expect(banner.first()).toBeVisible();
  await expect(banner.first()).toContainText('Svix will retry');
  await expect(page.getByRole('status').filter({ hasText: /^Live · 1 problem/ })).toBeVisible();
  const failingNow = page.locator('.stat').filter({ hasText: 'Failing now' });
  await expect(failingNow).toContainText('Yes');
  await expect.poll(async () => (await newMessages(before, 503)).length).toBeGreaterThan(0);
  const [svixId] = await newMessages(before, 503);
  await screenshot(page, 'outage-live');

  // while it lasts the message is outstanding
  await page.getByRole('link', { name: 'Failures', exact: true }).click();
  const outstanding = page.getByRole('list', { name: 'Outstanding failures' });
  await expect(outstanding.getByRole('listitem').filter({ hasText: svixId! })).toBeVisible();

  // storage is back: Svix's next retry applies it, every dashboard sees the outage end
  await storageOutage(0);
  await expect(page.getByRole('alert').filter({ hasText: 'Webhooks are being refused' })).toHaveCount(0, {
    timeout: 30_000,
  });
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await expect(outstanding.getByRole('listitem').filter({ hasText: svixId! })).toHaveCount(0);
  await page.getByRole('button', { name: /^Recovered/ }).click();
  const recovered = page
    .getByRole('list', { name: 'Recovered failures' })
    .getByRole('listitem')
    .filter({ hasText: svixId! });
  await expect(recovered).toContainText(/applied by attempt #\d+, \d+ (s|min) later/);
  await expect(recovered).toContainText('recovered');
  await screenshot(page, 'failure-recovered');

  await page.getByRole('link', { name: 'Overview', exact: true }).click();
  await expect(failingNow).toContainText('No');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await page.goto(`/users/${user.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(user.first_name!);
});

/** "1,200" → 1200 */
const num = (s: string | undefined) => Number((s ?? '0').replace(/[^\d]/g, ''));

/** The figures of a bulk replay summary ("N matched: N replayed, N skipped (…), N not run.") and whether they add up. */
function figures(text: string) {
  const m = /([\d,]+) matched: ([\d,]+) replayed(?:, ([\d,]+) skipped \(([^)]*)\))?(?:, ([\d,]+) not run)?/.exec(text);
  if (!m) throw new Error(`not a bulk replay summary: ${text}`);
  const [matched, replayed, skipped, notRun] = [m[1], m[2], m[3], m[5]].map(num) as [number, number, number, number];
  const byReason = [...(m[4] ?? '').matchAll(/([\d,]+) [a-z]/g)].reduce((n, r) => n + num(r[1]), 0);
  return {
    matched,
    replayed,
    skipped,
    notRun,
    addsUp: matched === replayed + skipped + notRun && byReason === skipped,
  };
}

test('bulk replay of outstanding failures: a dry run, then a job; the summaries add up', async ({ page }) => {
  test.setTimeout(150_000);
  await signIn(page);
  const before = await knownMessages();
  // an outage Svix will not retry for minutes (after its 5 s retry): the messages stay outstanding
  await clerk.setTimeFactor(1);
  await storageOutage(120_000);
  const count = 600;
  for (let i = 0; i < count; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, () => clerk.createUser({ first_name: unique('Stuck') })),
    );
  }
  // each message answered 503 twice: the first attempt and Svix's retry 5 s later
  const attempts503 = async () =>
    (await clerk.deliveries()).filter((d) => d.status === 503 && !before.has(d.svixId)).length;
  await expect.poll(attempts503, { timeout: 60_000 }).toBe(2 * count);
  // the newest: the page lists the 200 latest failures
  const stuck = await newMessages(before, 503);
  const svixId = stuck.at(-1);
  await storageOutage(0);
  // the refused attempts the monitor buffered during the outage are logged once storage is back: wait for all of
  // them, so the dry run and the job read the same log
  const stuckIds = new Set(stuck);
  const logged503 = async () => {
    let n = 0;
    let cursor: string | null = null;
    do {
      const res = await page.request.get(
        `/api/deliveries?outcome=unavailable&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = (await res.json()) as { items: { svixId: string | null }[]; nextCursor: string | null };
      n += body.items.filter((d) => d.svixId !== null && stuckIds.has(d.svixId)).length;
      cursor = body.nextCursor;
    } while (cursor);
    return n;
  };
  await expect.poll(logged503, { timeout: 30_000 }).toBe(2 * count);

  await page.goto('/failures');
  const outstanding = page.getByRole('list', { name: 'Outstanding failures' });
  await expect(outstanding.getByRole('listitem').filter({ hasText: svixId! })).toBeVisible();
  await page.getByRole('button', { name: 'Replay outstanding… (dry run first)' }).click();
  const dryRun = page.getByRole('status').filter({ hasText: /^Dry run:/ });
  await expect(dryRun).toContainText(/[\d,]+ matched: [\d,]+ would be replayed/);
  const text = (await dryRun.locator('.callout__title').textContent()) ?? '';
  // matched = replayed + every skipped reason (here: each message's second attempt)
  const [, matched, replayed] = /([\d,]+) matched: ([\d,]+) would be replayed/.exec(text)!.map(num);
  expect(replayed).toBeGreaterThanOrEqual(count);
  const skipped = [
    ...text.matchAll(
      /([\d,]+) (?:not verified|already applied|another attempt|replays themselves|payload unavailable)/g,
    ),
  ].reduce((n, m) => n + num(m[1]), 0);
  expect(replayed! + skipped).toBe(matched);
  await screenshot(page, 'bulk-replay-dry-run');
  // nothing changed yet
  await expect(outstanding.getByRole('listitem').filter({ hasText: svixId! })).toBeVisible();

  // confirmed once, it runs as a job whose summary adds up (its live progress and a cancel are covered, without
  // racing the job's speed, by server/src/deliveries/replay-job.integration.test.ts)
  await page.getByRole('button', { name: `Replay ${replayed}` }).click();
  await page.getByRole('button', { name: `Yes, replay ${replayed}` }).click();
  const job = page.getByRole('region', { name: /^Bulk replay #\d+/ });
  const finished = job.getByRole('status').filter({ hasText: /^Replay finished/ });
  await expect(finished).toBeVisible({ timeout: 60_000 });
  const summary = figures((await finished.textContent()) ?? '');
  expect(summary).toMatchObject({ matched, replayed, notRun: 0, addsUp: true });
  await expect(outstanding.getByRole('listitem').filter({ hasText: svixId! })).toHaveCount(0);
  await screenshot(page, 'bulk-replay-finished');
  // the summary survives a reload
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: /^Replay finished/ })).toBeVisible();

  // the same replay from the delivery log now has nothing to do
  await page.goto('/deliveries?outcome=unavailable');
  await page.getByRole('button', { name: 'Replay all matching…' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Dry run:/ })).toContainText(
    /all already applied — nothing to do|none can change anything — nothing to do/,
  );
  await clerk.setTimeFactor(0.002);
});

test('an invited operator must replace the one-time password at first sign-in', async ({ page, browser }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Admin' }).click();
  const email = `${unique('oncall')}@example.com`;
  const invite = page.getByRole('form', { name: 'Invite an operator' });
  await invite.getByLabel('Email').fill(email);
  await invite.getByLabel('Role').selectOption('operator');
  await invite.getByRole('button', { name: 'Invite' }).click();
  const secret = page.getByLabel(`One-time password for ${email}`);
  await expect(secret).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy the password' })).toBeVisible();
  const oneTime = (await secret.textContent())!.trim();

  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto('/');
  await other.getByLabel('Email').fill(email);
  await other.getByLabel('Password').fill(oneTime);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { name: 'Choose your own password to continue' })).toBeVisible();
  await expect(other.getByRole('link', { name: 'Overview', exact: true })).toHaveCount(0);
  // a short one is refused, nothing changes
  await other.getByLabel('One-time password').fill(oneTime);
  await other.getByLabel('New password', { exact: true }).fill('short');
  await other.getByLabel('Repeat the new password').fill('short');
  await other.getByRole('button', { name: 'Change password' }).click();
  await expect(other.getByRole('alert')).toContainText('at least 12 characters');
  const chosen = 'my-own-password-42';
  await other.getByLabel('New password', { exact: true }).fill(chosen);
  await other.getByLabel('Repeat the new password').fill(chosen);
  await other.getByRole('button', { name: 'Change password' }).click();
  await expect(other.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await screenshot(other, 'password-changed');
  await context.close();

  // the one-time password no longer works; the chosen one does
  const res = await fetch(`${E2E.serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: oneTime }),
  });
  expect(res.status).toBe(401);
  const ok = await fetch(`${E2E.serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: chosen }),
  });
  expect(ok.status).toBe(200);
});

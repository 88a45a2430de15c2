// Every page at phone width (390 × 844) without sideways scrolling, and an axe-core scan of every page in
// light and dark mode with no serious or critical violation.
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect, signIn, clerk, screenshot, unique } from './support/fixtures.ts';

interface Target {
  name: string;
  path: string;
  /** what shows once the page has its data */
  ready: (page: Page) => Promise<void>;
}

/** A user, an event and a delivery to open, so the detail pages have something to show. */
async function pages(): Promise<Target[]> {
  const user = await clerk.createUser({ first_name: unique('Pages') });
  // an organization with a member, a pending invitation and one member whose webhook never came (drift to show)
  const org = await clerk.createOrganization({ name: unique('Pages Org') });
  await clerk.addMember(org.id, user.id, 'org:admin');
  await clerk.invite(org.id, `${unique('pages')}@org.test`);
  const unseen = await clerk.createUser({ first_name: unique('Unseen') });
  await clerk.addMember(org.id, unseen.id, undefined, { webhook: false });
  await expect.poll(async () => (await clerk.deliveries()).some((d) => d.status === 200)).toBe(true);
  const svixId = (await clerk.deliveries()).find((d) => d.status === 200)!.svixId;
  const heading = (name: string | RegExp) => async (page: Page) => {
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  };
  const firstDataRow = async (page: Page) => {
    await expect(
      page
        .getByRole('row')
        .filter({ has: page.getByRole('cell') })
        .first(),
    ).toBeVisible();
  };
  return [
    { name: 'overview', path: '/', ready: async (p) => void (await expect(p.locator('.stat').first()).toBeVisible()) },
    { name: 'events', path: '/events', ready: firstDataRow },
    { name: 'event', path: `/events/${svixId}`, ready: heading(/\./) },
    { name: 'failures', path: '/failures', ready: heading('Failures') },
    { name: 'deliveries', path: '/deliveries', ready: firstDataRow },
    { name: 'delivery', path: '/deliveries/1', ready: heading(/Delivery/) },
    { name: 'users', path: '/users', ready: firstDataRow },
    {
      name: 'user',
      path: `/users/${user.id}`,
      ready: async (p) => void (await expect(p.getByRole('heading', { name: 'Local copy vs Clerk' })).toBeVisible()),
    },
    { name: 'organizations', path: '/organizations', ready: firstDataRow },
    {
      name: 'organization',
      path: `/organizations/${org.id}`,
      ready: async (p) => void (await expect(p.getByText('missing locally').first()).toBeVisible()),
    },
    { name: 'drift', path: '/drift', ready: heading('Drift') },
    { name: 'incidents', path: '/incidents', ready: heading('Incidents') },
    { name: 'audit', path: '/audit', ready: heading('Audit') },
    {
      name: 'admin',
      path: '/admin',
      ready: async (p) => void (await expect(p.getByRole('heading', { name: 'Operators' })).toBeVisible()),
    },
    { name: 'password', path: '/account/password', ready: heading('Change your password') },
  ];
}

async function noSidewaysScroll(page: Page, name: string) {
  // a string: this project's TypeScript for e2e has no DOM types; it runs in the page
  const { scroll, width, widest } = (await page.evaluate(`(() => {
    const w = window.innerWidth;
    // the innermost elements that reach past the right edge: what to fix when this fails
    const over = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 1 && ![...el.children].some((c) => c.getBoundingClientRect().right > w + 1))
      .slice(0, 5)
      .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' (' + Math.round(el.getBoundingClientRect().right) + 'px: ' + (el.textContent || '').slice(0, 30) + ')');
    return { scroll: document.documentElement.scrollWidth, width: w, widest: over };
  })()`)) as { scroll: number; width: number; widest: string[] };
  expect(scroll, `${name} scrolls sideways: ${widest.join(', ')}`).toBeLessThanOrEqual(width);
}

test('every page fits 390 × 844 without sideways scrolling; navigation collapses; tables stack', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/sign-in');
  await noSidewaysScroll(page, 'sign-in');
  await signIn(page);
  for (const target of await pages()) {
    await page.goto(target.path);
    await target.ready(page);
    await noSidewaysScroll(page, target.name);
    await screenshot(page, `390-${target.name}`);
  }
  // the navigation sits behind a menu button
  await page.goto('/');
  await expect(page.getByRole('link', { name: 'Deliveries', exact: true })).toBeHidden();
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Deliveries' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Overview', exact: true })).toBeHidden();
  // a stacked row keeps its status, outcome and error visible
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('cell') })
    .first();
  await expect(row.getByText(/^\d{3}$/).first()).toBeVisible();
  await expect(row.locator('td[data-label="Outcome"]')).toBeVisible();
  await expect(row.locator('td[data-label="Error"]')).toBeVisible();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`axe-core finds no serious or critical violation on any page (${scheme})`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: scheme });
    const found: string[] = [];
    const scan = async (name: string) => {
      const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      for (const v of result.violations) {
        if (v.impact === 'serious' || v.impact === 'critical') {
          found.push(
            `${name}: ${v.id} (${v.impact}) ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(' | ')}`,
          );
        }
      }
    };
    await page.goto('/sign-in');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await scan('sign-in');
    await signIn(page);
    for (const target of await pages()) {
      await page.goto(target.path);
      await target.ready(page);
      await scan(target.name);
      await screenshot(page, `${scheme}-${target.name}`);
    }
    expect(found).toEqual([]);
  });
}

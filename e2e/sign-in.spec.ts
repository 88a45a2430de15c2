import { test, expect, signIn, screenshot } from './support/fixtures.ts';
import { E2E } from './support/ports.ts';

test('an operator signs in, sees who is signed in, and signs out', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  await page.getByLabel('Email').fill(E2E.admin.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/do not match/i);

  await signIn(page);
  await expect(page.getByText(E2E.admin.email)).toBeVisible();
  await expect(page.getByText(/built-in Clerk emulator/i)).toBeVisible(); // demo banner
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await screenshot(page, 'sign-in');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

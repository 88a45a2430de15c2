// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AdminPage } from './AdminPage.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const token = (over: Record<string, unknown>) => ({
  id: 1,
  name: 'ci',
  role: 'operator',
  effectiveRole: 'operator',
  owner: 'admin@example.com',
  createdBy: 'admin@example.com',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
  expiresAt: null,
  ...over,
});

function setup(role: 'admin' | 'viewer', tokens: unknown[] = []) {
  const operators = [
    { id: 1, email: 'admin@example.com', role: 'admin', disabled: false, createdAt: '2026-01-01T00:00:00.000Z' },
  ];
  const calls: { url: string; method: string; body: unknown; csrf: string | null }[] = [];
  document.cookie = 'csm_csrf=tok123';
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const headers = (init?.headers ?? {}) as Record<string, string>;
      calls.push({
        url,
        method,
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
        csrf: headers['x-csrf-token'] ?? null,
      });
      if (url === '/api/auth/me') return json(200, { id: 1, email: 'admin@example.com', role, csrfToken: 'tok123' });
      if (url === '/api/admin/operators' && method === 'GET') return json(200, operators);
      if (url === '/api/admin/operators' && method === 'POST') {
        const op = {
          id: 2,
          email: 'new@example.com',
          role: 'viewer',
          disabled: false,
          createdAt: '2026-01-02T00:00:00.000Z',
        };
        operators.push(op as (typeof operators)[number]);
        return json(201, { operator: op, oneTimePassword: 'one-time-secret' });
      }
      if (url === '/api/admin/tokens' && method === 'POST') {
        const t = token({ id: 99, name: 'deploy', expiresAt: '2030-01-01T00:00:00.000Z' });
        tokens.push(t);
        return json(201, { token: t, secret: 'csm_shown_once' });
      }
      if (url === '/api/admin/tokens') return json(200, tokens);
      return json(404, { error: { code: 'not_found', message: 'no' } });
    }),
  );
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <AdminPage />
    </QueryClientProvider>,
  );
  return calls;
}

describe('AdminPage', () => {
  it('invites an operator and shows the one-time password once, sending the CSRF token', async () => {
    const calls = setup('admin');
    expect(await screen.findByText('admin@example.com')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'new@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }));
    expect(await screen.findByLabelText('One-time password for new@example.com')).toBeTruthy();
    expect(screen.getByText('one-time-secret')).toBeTruthy();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post).toMatchObject({
      url: '/api/admin/operators',
      body: { email: 'new@example.com', role: 'viewer' },
      csrf: 'tok123',
    });
    expect(await screen.findByRole('button', { name: 'Disable new@example.com' })).toBeTruthy();
  });

  it('offers the roles least powerful first, and keeps the chosen role but not the typed fields after inviting', async () => {
    const calls = setup('admin');
    const invite = await screen.findByRole('form', { name: 'Invite an operator' });
    const role = within(invite).getByLabelText('Role') as HTMLSelectElement;
    expect([...role.options].map((o) => o.value)).toEqual(['viewer', 'operator', 'admin']);
    fireEvent.change(within(invite).getByLabelText('Email'), { target: { value: 'new@example.com' } });
    fireEvent.change(role, { target: { value: 'operator' } });
    fireEvent.change(within(invite).getByLabelText('Password (optional)'), { target: { value: 'a-long-password' } });
    fireEvent.click(within(invite).getByRole('button', { name: 'Invite' }));
    expect(await screen.findByText('Invited new@example.com as viewer.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      email: 'new@example.com',
      role: 'operator',
      password: 'a-long-password',
    });
    expect((within(invite).getByLabelText('Email') as HTMLInputElement).value).toBe('');
    expect((within(invite).getByLabelText('Password (optional)') as HTMLInputElement).value).toBe('');
    expect(role.value).toBe('operator');
  });

  it('creates a token with an expiry, and shows when each token expires and what it can still do', async () => {
    const calls = setup('admin', [
      token({ id: 1, name: 'nightly', expiresAt: '2099-01-01T00:00:00.000Z' }),
      token({ id: 2, name: 'old', expiresAt: '2020-01-01T00:00:00.000Z' }),
      token({ id: 3, name: 'narrowed', role: 'admin', effectiveRole: 'viewer' }),
      token({ id: 4, name: 'sidelined', effectiveRole: null, owner: 'off@example.com' }),
    ]);
    const table = await screen.findByRole('table', { name: 'API tokens' });
    expect(within(table).getByRole('columnheader', { name: 'Expires' })).toBeTruthy();
    const row = (name: string) => within(table).getByRole('row', { name: new RegExp(`^${name}\\b`) });
    expect(within(row('nightly')).getByText(/2099/)).toBeTruthy();
    expect(within(row('old')).getByText('expired')).toBeTruthy();
    expect(within(row('narrowed')).getByText('limited to viewer')).toBeTruthy();
    expect(within(row('sidelined')).getByText('owner disabled')).toBeTruthy();

    const form = screen.getByRole('form', { name: 'Create an API token' });
    fireEvent.change(within(form).getByLabelText('Token name'), { target: { value: 'deploy' } });
    expect((within(form).getByLabelText('Expires after') as HTMLSelectElement).value).toBe('90');
    fireEvent.change(within(form).getByLabelText('Expires after'), { target: { value: '30' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await screen.findByText('csm_shown_once')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({
      url: '/api/admin/tokens',
      body: { name: 'deploy', role: 'viewer', expiresInDays: 30 },
    });

    fireEvent.change(within(form).getByLabelText('Token name'), { target: { value: 'forever' } });
    fireEvent.change(within(form).getByLabelText('Expires after'), { target: { value: '0' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create token' }));
    await vi.waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2));
    expect(calls.filter((c) => c.method === 'POST')[1]!.body).toEqual({ name: 'forever', role: 'viewer' });
  });

  it('tells a non-admin the page is not for them', async () => {
    setup('viewer');
    expect(await screen.findByText('Only admins manage operators and API tokens.')).toBeTruthy();
  });
});

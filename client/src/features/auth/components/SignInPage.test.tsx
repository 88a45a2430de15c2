// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { SignInPage } from './SignInPage.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function setup(login: (body: { email: string; password: string }) => Response) {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    if (url === '/api/auth/me') return json(401, { error: { code: 'unauthorized', message: 'Sign in first' } });
    if (url === '/healthz') return json(200, { ok: true, demo: true });
    if (url === '/api/auth/login') return login(JSON.parse(String(init?.body)));
    return json(404, { error: { code: 'not_found', message: 'no' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  const router = createMemoryRouter(
    [
      { path: '/sign-in', element: <SignInPage /> },
      { path: '/deliveries', element: <h1>Deliveries page</h1> },
    ],
    { initialEntries: ['/sign-in?next=%2Fdeliveries'] },
  );
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { fetchMock, router };
}

describe('SignInPage', () => {
  it('signs in and goes where the operator was headed', async () => {
    const { router } = setup(() => json(200, { id: 1, email: 'op@example.com', role: 'admin' }));
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: ' op@example.com ' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-password' } });
    expect(await screen.findByRole('note')).toBeTruthy(); // the demo banner, from the public health check
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Deliveries page' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/deliveries');
  });

  it('says so when the credentials are wrong', async () => {
    setup(() => json(401, { error: { code: 'invalid_credentials', message: 'Wrong email or password' } }));
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'op@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('do not match');
  });

  it('shows the server message and Clerk trace id for other errors', async () => {
    setup(() => json(503, { error: { code: 'unavailable', message: 'Database is down', clerkTraceId: 'trace_123' } }));
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'op@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Database is down');
    expect(alert.textContent).toContain('trace_123');
  });
});

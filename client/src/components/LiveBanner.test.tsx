// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { LiveStatus } from '@contract/contract.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { formatTime, setTimeZone } from '../lib/time.ts';
import { LiveBanner } from './LiveBanner.tsx';

afterEach(cleanup);

function show(status: LiveStatus) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  qc.setQueryData(queryKeys.live, status);
  const router = createMemoryRouter([{ path: '/', element: <LiveBanner /> }]);
  render(
    <QueryClientProvider client={qc}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

describe('the live banner', () => {
  it('says what is wrong with its time, who is on it, and links to the incident behind it', () => {
    setTimeZone('UTC');
    show({
      problems: [
        {
          kind: 'storage_refusing',
          message: 'Webhooks are being refused: database unavailable',
          since: '2026-12-01T05:12:03.000Z',
          incidentId: 'inc_storage',
          acknowledgedBy: null,
        },
        {
          kind: 'clerk_throttled',
          message: 'Resync and reconcile are slowed: throttled by Clerk (429), retrying in 4 s.',
          since: '2026-12-01T05:13:00.000Z',
          retryAt: '2026-12-01T05:13:04.000Z',
          incidentId: 'inc_clerk',
          acknowledgedBy: 'ops@example.com',
        },
      ],
      lastDeliveryAt: null,
      checkedAt: '2026-12-01T05:13:01.000Z',
    });
    const [storage, clerk] = screen.getByRole('alert').querySelectorAll('p');
    expect(storage!.textContent).toBe(
      `Webhooks are being refused: database unavailable since ${formatTime('2026-12-01T05:12:03.000Z')} — Svix will retry. See the incident`,
    );
    expect(formatTime('2026-12-01T05:12:03.000Z')).toContain('05:12:03');
    expect(clerk!.textContent).toContain('retrying in 4 s. Acknowledged by ops@example.com.');
    expect(screen.getAllByRole('link', { name: 'See the incident' }).map((a) => a.getAttribute('href'))).toEqual([
      '/incidents/inc_storage',
      '/incidents/inc_clerk',
    ]);
    setTimeZone('local');
  });

  it('is empty when nothing is wrong', () => {
    show({ problems: [], lastDeliveryAt: null, checkedAt: '2026-12-01T05:13:01.000Z' });
    expect(screen.getByRole('alert').textContent).toBe('');
  });
});

// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { Page } from '@contract/contract.ts';
import { useLiveList, usePausedList, type ListSpec } from '../lib/use-live-list.ts';
import { ListPageHeader, ListTable, type ListTableSpec } from './ListPage.tsx';

// happy-dom lays nothing out: give the virtual table's scroll box a size, or it renders no rows
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(800);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(1000);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

interface Item {
  id: number;
  name: string;
}
interface Filters {
  name?: string;
}

/** A server of 3 items, 2 a page, newest first; it records what it was asked. */
function fakeServer() {
  const all: Item[] = [3, 2, 1].map((id) => ({ id, name: `item ${id}` }));
  const calls: { filters: Filters; cursor: string | null }[] = [];
  const spec: ListSpec<Item, Filters> = {
    parseFilters: (params) => (params.get('name') ? { name: params.get('name')! } : {}),
    queryKey: (filters) => ['test', 'list', filters],
    fetchPage: async (filters, cursor) => {
      calls.push({ filters, cursor });
      const matching = all.filter((i) => !filters.name || i.name === filters.name);
      const start = cursor ? Number(cursor) : 0;
      const page: Page<Item> = {
        items: matching.slice(start, start + 2),
        nextCursor: start + 2 < matching.length ? String(start + 2) : null,
      };
      return page;
    },
  };
  return { spec, calls };
}

const TABLE: ListTableSpec<Item> = {
  caption: 'Items',
  noun: 'items',
  columns: [{ key: 'name', header: 'Name', render: (i) => i.name }],
  empty: 'No items yet.',
  emptyFiltered: 'No items match.',
};

function setup(spec: ListSpec<Item, Filters>, url: string, { pausable = false, plain = false } = {}) {
  function Plain() {
    const list = useLiveList(spec);
    return <ListTable list={list} table={{ ...TABLE, plain }} />;
  }
  function Pausable() {
    const list = usePausedList(useLiveList(spec));
    return (
      <>
        <ListPageHeader title="Items" list={list} />
        <ListTable list={list} table={TABLE} />
      </>
    );
  }
  const router = createMemoryRouter([{ path: '/', element: pausable ? <Pausable /> : <Plain /> }], {
    initialEntries: [url],
  });
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

describe('a list page (useLiveList + ListTable)', () => {
  it('shows the first page, then older ones on "Load older"', async () => {
    const { spec, calls } = fakeServer();
    setup(spec, '/', { plain: true });
    expect(await screen.findByText('item 3')).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Items' })).toBeTruthy();
    expect(screen.queryByText('item 1')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    expect(await screen.findByText('item 1')).toBeTruthy();
    expect(screen.getByText('3 items shown')).toBeTruthy();
    expect(screen.getByText('That is all.')).toBeTruthy();
    expect(calls.map((c) => c.cursor)).toEqual([null, '2']);
  });

  it('in a virtual table, loads older pages once its last rows come into view', async () => {
    const { spec, calls } = fakeServer();
    setup(spec, '/');
    expect(await screen.findByRole('table', { name: 'Items' })).toBeTruthy();
    expect(await screen.findByText('item 1')).toBeTruthy();
    expect(calls.map((c) => c.cursor)).toEqual([null, '2']);
  });

  it('fetches with the filters in the URL and says when nothing matches them', async () => {
    const { spec, calls } = fakeServer();
    setup(spec, '/?name=nothing&unknown=1');
    expect(await screen.findByText('No items match.')).toBeTruthy();
    expect(calls[0]!.filters).toEqual({ name: 'nothing' });
  });

  it('says so when the list is empty without filters', async () => {
    const { spec } = fakeServer();
    setup({ ...spec, fetchPage: async () => ({ items: [], nextCursor: null }) }, '/');
    expect(await screen.findByText('No items yet.')).toBeTruthy();
  });

  it('puts Pause in the header of a pausable list only', async () => {
    const { spec } = fakeServer();
    setup(spec, '/', { pausable: true });
    expect(await screen.findByText('item 3')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Items' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
  });
});

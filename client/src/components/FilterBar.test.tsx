// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { FilterBar, filterOptions, type FilterField } from './FilterBar.tsx';

afterEach(cleanup);

const FIELDS: FilterField[] = [
  { kind: 'toggle', param: 'failed', label: 'Failed only' },
  {
    kind: 'select',
    param: 'outcome',
    label: 'Outcome',
    any: 'any outcome',
    options: filterOptions(['applied', 'failed'], (v) => v.toUpperCase()),
  },
  { kind: 'text', param: 'status', label: 'Status code', placeholder: 'any', size: 'narrow', digits: 3 },
  {
    kind: 'text',
    param: 'q',
    label: 'Text',
    placeholder: 'anything',
    search: true,
    suggestions: { id: 'known', values: ['one', 'two'] },
  },
];

function setup(url = '/') {
  const router = createMemoryRouter(
    [{ path: '/', element: <FilterBar label="Test filters" fields={FIELDS} hiddenParams={['from']} /> }],
    {
      initialEntries: [url],
    },
  );
  render(<RouterProvider router={router} />);
  const search = () => new URLSearchParams(router.state.location.search);
  return { router, search };
}

describe('FilterBar', () => {
  it('renders each field from its description, as a labelled search form', () => {
    setup('/?outcome=failed&q=abc');
    expect(screen.getByRole('search', { name: 'Test filters' })).toBeTruthy();
    const outcome = screen.getByLabelText('Outcome') as HTMLSelectElement;
    expect(outcome.value).toBe('failed');
    expect([...outcome.options].map((o) => o.textContent)).toEqual(['any outcome', 'APPLIED', 'FAILED']);
    const text = screen.getByLabelText('Text') as HTMLInputElement;
    expect(text.value).toBe('abc');
    expect(text.type).toBe('search');
    expect(text.getAttribute('list')).toBe('known');
    const status = screen.getByLabelText('Status code') as HTMLInputElement;
    expect(status.inputMode).toBe('numeric');
    expect(status.maxLength).toBe(3);
    expect(screen.getByRole('button', { name: 'Failed only' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('writes choices to the URL, and typed text once typing stops', async () => {
    const { search } = setup();
    fireEvent.change(screen.getByLabelText('Outcome'), { target: { value: 'applied' } });
    expect(search().get('outcome')).toBe('applied');
    fireEvent.click(screen.getByRole('button', { name: 'Failed only' }));
    expect(search().get('failed')).toBe('true');
    expect(screen.getByRole('button', { name: 'Failed only' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Failed only' }));
    expect(search().has('failed')).toBe(false);

    fireEvent.change(screen.getByLabelText('Status code'), { target: { value: '5x0' } });
    expect((screen.getByLabelText('Status code') as HTMLInputElement).value).toBe('50');
    await waitFor(() => expect(search().get('status')).toBe('50'));
  });

  it('offers "Clear filters" only while a filter is set, a hidden one included, and clears them all', () => {
    setup('/?other=1');
    expect(screen.queryByRole('button', { name: 'Clear filters' })).toBeNull();
    cleanup();

    const { search } = setup('/?from=2026-01-01&outcome=failed&q=abc&other=1');
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(search().toString()).toBe('other=1');
    expect((screen.getByLabelText('Text') as HTMLInputElement).value).toBe('');
    expect(screen.queryByRole('button', { name: 'Clear filters' })).toBeNull();
  });
});

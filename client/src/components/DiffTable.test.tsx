// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { compareSideBySide, diffValues } from '../lib/diff.ts';
import { CompareTable, DiffTable } from './DiffTable.tsx';

afterEach(cleanup);

describe('DiffTable', () => {
  it('renders one row per changed field with its kind and both values', () => {
    const rows = diffValues(
      { first_name: 'Ada', banned: false },
      { first_name: 'Grace', banned: false, last_name: 'Hopper' },
    );
    render(<DiffTable rows={rows} caption="Changes" beforeLabel="Previous version" afterLabel="This event" />);
    const table = screen.getByRole('table', { name: 'Changes' });
    expect(within(table).getByRole('columnheader', { name: 'Previous version' })).toBeTruthy();
    const changed = within(table).getByRole('row', { name: /first_name/ });
    expect(changed.className).toContain('diff-row--changed');
    expect(changed.textContent).toContain('"Ada"');
    expect(changed.textContent).toContain('"Grace"');
    expect(changed.textContent).toContain('changed');
    const added = within(table).getByRole('row', { name: /last_name/ });
    expect(added.className).toContain('diff-row--added');
    expect(within(table).queryByRole('row', { name: /banned/ })).toBeNull();
  });

  it('says so when nothing differs', () => {
    render(<DiffTable rows={[]} caption="Changes" beforeLabel="a" afterLabel="b" empty="Same as before." />);
    expect(screen.getByText('Same as before.')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });
});

describe('CompareTable', () => {
  const rows = compareSideBySide({ id: 'user_1', first_name: 'Ada' }, { id: 'user_1', first_name: 'Grace' });

  it('starts with only the differences and can show every field', () => {
    render(<CompareTable rows={rows} caption="Local vs Clerk" />);
    expect(screen.getByText('1 of 2 fields differ.')).toBeTruthy();
    const toggle = screen.getByRole('button', { name: 'Only differences' });
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    const table = screen.getByRole('table', { name: 'Local vs Clerk' });
    expect(within(table).getAllByRole('row')).toHaveLength(2); // header + first_name
    const diffRow = within(table).getByRole('row', { name: /first_name/ });
    expect(diffRow.className).toContain('diff-row--changed');

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    const all = screen.getByRole('table', { name: 'Local vs Clerk' });
    expect(within(all).getAllByRole('row')).toHaveLength(3);
    expect(within(all).getByRole('row', { name: /^id/ }).className).toBe('');
  });

  it('shows every field when both sides agree', () => {
    render(<CompareTable rows={compareSideBySide({ a: 1 }, { a: 1 })} caption="Same" />);
    expect(screen.getByText('All fields agree.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Only differences' }).getAttribute('aria-pressed')).toBe('false');
    expect(within(screen.getByRole('table', { name: 'Same' })).getAllByRole('row')).toHaveLength(2);
  });
});

// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { Table, type Column } from './Table.tsx';

afterEach(cleanup);

interface Row {
  id: number;
  name: string;
  count: number;
}

const COLUMNS: Column<Row>[] = [
  { key: 'name', header: 'Name', rowHeader: true, className: 'mono', render: (r) => r.name },
  { key: 'count', header: 'Count', headerClassName: 'num', className: 'num', render: (r) => r.count },
  {
    key: 'actions',
    header: 'Actions',
    headerHidden: true,
    render: (r) => <button type="button">Remove {r.name}</button>,
  },
];

describe('Table', () => {
  it('is a captioned table whose headers are scoped to columns and rows', () => {
    render(<Table items={[{ id: 1, name: 'a', count: 3 }]} columns={COLUMNS} getKey={(r) => r.id} caption="Things" />);
    const table = screen.getByRole('table', { name: 'Things' });
    const headers = within(table).getAllByRole('columnheader');
    expect(headers.map((h) => [h.textContent, h.getAttribute('scope'), h.className])).toEqual([
      ['Name', 'col', ''],
      ['Count', 'col', 'num'],
      ['Actions', 'col', ''],
    ]);
    expect(headers[2]!.querySelector('.visually-hidden')?.textContent).toBe('Actions');
    const rowHeader = within(table).getByRole('rowheader', { name: 'a' });
    expect(rowHeader.getAttribute('scope')).toBe('row');
    expect(rowHeader.className).toBe('mono');
    expect(within(table).getByRole('cell', { name: '3' }).className).toBe('num');
    expect(table.closest('div')?.className).toBe('table-scroll');
  });

  it('marks the current row and uses the short scroll box on request', () => {
    const items = [
      { id: 1, name: 'a', count: 1 },
      { id: 2, name: 'b', count: 2 },
    ];
    render(
      <Table
        items={items}
        columns={COLUMNS}
        getKey={(r) => r.id}
        caption="Things"
        isCurrent={(r) => r.id === 2}
        rowClassName={() => 'row--warn'}
        short
      />,
    );
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('aria-current'))).toEqual([null, 'true']);
    expect(rows.map((r) => r.className)).toEqual(['row--warn', 'row--warn']);
    expect(screen.getByRole('table').closest('div')?.className).toBe('table-scroll table-scroll--short');
  });
});

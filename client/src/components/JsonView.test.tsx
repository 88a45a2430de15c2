// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { JsonView } from './JsonView.tsx';
import { DEPTH_CAPPED } from '../lib/json-depth.ts';

afterEach(cleanup);

describe('JsonView', () => {
  it('shows JSON nested deeper than the limit down to the limit, then a marker (fully expanded)', () => {
    let deep: unknown = { leaf: 'hidden' };
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    render(<JsonView data={{ id: 'evt_1', data: deep }} label="Event payload" expandLevels="all" />);
    expect(screen.getByText('"evt_1"')).toBeTruthy();
    expect(screen.getByText(`"${DEPTH_CAPPED}"`)).toBeTruthy();
    expect(screen.queryByText('"hidden"')).toBeNull();
  });
});

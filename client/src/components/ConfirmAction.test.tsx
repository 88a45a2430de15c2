// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { ConfirmAction } from './ConfirmAction.tsx';
import { Id, middleTruncate } from './Id.tsx';

afterEach(cleanup);

describe('ConfirmAction', () => {
  it('says what will happen and acts only on the confirmation, once', () => {
    let calls = 0;
    render(
      <ConfirmAction
        label="Disable a@b.c"
        consequence="a@b.c is signed out everywhere."
        confirmLabel="Yes, disable a@b.c"
        onConfirm={() => calls++}
      />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Disable a@b.c' }));
    expect(calls).toBe(0);
    expect(screen.getByRole('group').textContent).toContain('signed out everywhere');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(calls).toBe(0);
    fireEvent.click(screen.getByRole('button', { name: 'Disable a@b.c' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, disable a@b.c' }));
    expect(calls).toBe(1);
    expect(screen.queryByRole('button', { name: 'Yes, disable a@b.c' })).toBeNull();
  });
});

describe('Id', () => {
  it('truncates in the middle, keeping the kind and the end, with the full value on hover', () => {
    const short = middleTruncate('user_2abcdefghijklmnopqrstuvwxyz', 16);
    expect(short).toHaveLength(16);
    expect(short.startsWith('user_')).toBe(true);
    expect(short.endsWith('xyz')).toBe(true);
    expect(middleTruncate('user_short')).toBe('user_short');
    render(<Id value="user_2abcdefghijklmnopqrstuvwxyz" label="ada@example.com" />);
    expect(screen.getByTitle('user_2abcdefghijklmnopqrstuvwxyz')).toBeTruthy();
    expect(screen.getByText('ada@example.com')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Copy/ })).toBeTruthy();
  });
});

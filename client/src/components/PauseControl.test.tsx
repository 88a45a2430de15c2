// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { usePausedFeed } from '../lib/use-paused-feed.ts';
import { PauseControl } from './PauseControl.tsx';

afterEach(cleanup);

/** The feed as a page uses it: items come from "the cache" (state here), the hook decides what shows. */
function Harness() {
  const [items, setItems] = useState([{ id: 2 }, { id: 1 }]);
  const feed = usePausedFeed(items);
  return (
    <>
      <PauseControl paused={feed.paused} newCount={feed.newCount} onPause={feed.pause} onResume={feed.resume} />
      <button type="button" onClick={() => setItems((prev) => [{ id: prev[0]!.id + 1 }, ...prev])}>
        Simulate arrival
      </button>
      <ul aria-label="feed">
        {feed.visible.map((i) => (
          <li key={i.id}>item {i.id}</li>
        ))}
      </ul>
    </>
  );
}

describe('pausing a live feed', () => {
  it('freezes the view, counts new items in a live region, and shows them on Resume', () => {
    render(<Harness />);
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    fireEvent.click(screen.getByRole('button', { name: 'Simulate arrival' }));
    fireEvent.click(screen.getByRole('button', { name: 'Simulate arrival' }));
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['item 2', 'item 1']);
    const status = screen.getByRole('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toBe('Paused — 2 new items');

    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'item 4',
      'item 3',
      'item 2',
      'item 1',
    ]);
    expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy();
  });

  it('says when nothing new arrived yet', () => {
    render(<Harness />);
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(screen.getByRole('status').textContent).toBe('Paused — no new items yet');
  });
});

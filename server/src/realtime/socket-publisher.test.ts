import { describe, expect, it, vi } from 'vitest';
import type { Server } from 'socket.io';
import { createSocketPublisher } from './socket.ts';
import type { EventSummary } from '../contract.ts';

/** A stand-in for io.to(room).emit that records frames. */
function fakeIo() {
  const frames: { name: string; size: number; at: number }[] = [];
  const io = {
    to: () => ({
      emit: (name: string, batch: unknown[]) =>
        frames.push({ name, size: Array.isArray(batch) ? batch.length : 1, at: performance.now() }),
    }),
  };
  return { io: io as unknown as Server, frames };
}
const event = (id: number) => ({ id, svixId: `msg_${id}` }) as EventSummary;
const turn = () => new Promise((r) => setImmediate(r));

describe('socket publisher batching', () => {
  it('sends everything published in one turn as one frame, on the next turn', async () => {
    const { io, frames } = fakeIo();
    const p = createSocketPublisher(2);
    p.attach(io);
    for (let i = 0; i < 100; i++) p.publisher.eventReceived(event(i));
    expect(frames).toHaveLength(0);
    await turn();
    expect(frames).toEqual([expect.objectContaining({ name: 'event:received', size: 100 })]);
  });

  it('keeps at most one frame per interval under a steady stream, losing nothing', async () => {
    // Fake clock: the spacing is checked exactly, not against a busy machine's timers.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'performance'] });
    try {
      const { io, frames } = fakeIo();
      const p = createSocketPublisher(5);
      p.attach(io);
      let sent = 0;
      for (let step = 0; step < 60; step++) {
        p.publisher.eventReceived(event(sent++)); // one event per millisecond
        await vi.advanceTimersByTimeAsync(1);
      }
      await vi.advanceTimersByTimeAsync(10);
      expect(frames.reduce((n, f) => n + f.size, 0)).toBe(sent);
      expect(frames.length).toBeLessThanOrEqual(Math.ceil(60 / 5) + 1);
      for (let i = 1; i < frames.length; i++) expect(frames[i]!.at - frames[i - 1]!.at).toBeGreaterThanOrEqual(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends only the latest state of a user changed twice in a batch', async () => {
    const { io, frames } = fakeIo();
    const p = createSocketPublisher();
    p.attach(io);
    const u = { id: 'user_1' } as Parameters<typeof p.publisher.userChanged>[0];
    p.publisher.userChanged({ ...u, firstName: 'a' });
    p.publisher.userChanged({ ...u, firstName: 'b' });
    await turn();
    expect(frames).toEqual([expect.objectContaining({ name: 'user:changed', size: 1 })]);
  });
});

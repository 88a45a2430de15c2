// Delivery faults on demand. Each one reproduces something Clerk + Svix really do (or that really happens to a
// receiver), so the monitor can be shown, and tested, to survive it:
//   drop          a share of messages is never delivered to an endpoint → drift the monitor must find by reconciling
//   duplicate     a share of messages is delivered twice with the same svix-id (at-least-once delivery)
//   reorderWindowMs  messages produced within the window are held and sent shuffled (best-effort ordering)
//   delayMs       each message's first attempt waits a random 0..delayMs
//   badSignature  a share of ATTEMPTS is signed with a wrong secret; the receiver must refuse it (4xx) and Svix
//                 retries it, signed correctly unless the fault strikes again
//   outageUntil   until then every attempt fails like a refused connection; the Svix schedule catches up after
import { z } from 'zod';

export interface Faults {
  drop: number;
  duplicate: number;
  reorderWindowMs: number;
  delayMs: number;
  badSignature: number;
  outageUntil: number | null; // epoch ms
}

export const NO_FAULTS: Faults = {
  drop: 0,
  duplicate: 0,
  reorderWindowMs: 0,
  delayMs: 0,
  badSignature: 0,
  outageUntil: null,
};

const share = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(3_600_000);

/** What PUT /control/faults and the options accept; `outageMs` is a convenience for "outage from now on". */
export const faultsPatchSchema = z
  .object({
    drop: share,
    duplicate: share,
    reorderWindowMs: ms,
    delayMs: ms,
    badSignature: share,
    outageUntil: z.number().int().nullable(),
    outageMs: ms,
  })
  .partial()
  .strict();

export type FaultsPatch = z.infer<typeof faultsPatchSchema>;

export function applyFaultsPatch(current: Faults, patch: FaultsPatch, now: number): Faults {
  const { outageMs, ...rest } = patch;
  const next: Faults = { ...current };
  // Only the keys given: an absent (or undefined) key keeps the current value.
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
  if (outageMs !== undefined) next.outageUntil = outageMs > 0 ? now + outageMs : null;
  return next;
}

/** mulberry32: a tiny seeded PRNG so fault decisions are reproducible in tests. */
export function seededRandom(seed: number = Math.floor(Math.random() * 2 ** 32)): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

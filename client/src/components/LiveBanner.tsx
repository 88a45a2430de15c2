import { describeProblem, useLiveStatus } from '../lib/live-status.ts';
import { useTimeZone } from '../lib/time.ts';

/** What is wrong right now, on every page: an outage, silence, a rotated secret, Clerk throttling. */
export function LiveBanner() {
  useTimeZone();
  const status = useLiveStatus();
  const problems = status.data?.problems ?? [];
  return (
    <div role="alert" aria-live="assertive" className={problems.length ? 'live-banner' : undefined}>
      {problems.map((p) => (
        <p key={p.kind} className="live-banner__item">
          {describeProblem(p)}
        </p>
      ))}
    </div>
  );
}

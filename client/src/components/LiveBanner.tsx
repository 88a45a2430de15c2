import { Link } from 'react-router';
import type { LiveProblem } from '@contract/contract.ts';
import { describeProblem, useLiveStatus } from '../lib/live-status.ts';
import { useTimeZone } from '../lib/time.ts';

/** One problem: its sentence, whether someone is on it, and the incident behind it. */
export function LiveProblemText({ problem }: { problem: LiveProblem }) {
  return (
    <>
      {describeProblem(problem)}
      {problem.acknowledgedBy && (
        <span className="live-banner__ack"> Acknowledged by {problem.acknowledgedBy}.</span>
      )}{' '}
      <Link to={`/incidents/${encodeURIComponent(problem.incidentId)}`}>See the incident</Link>
    </>
  );
}

/** What is wrong right now, on every page: an outage, silence, a rotated secret, Clerk throttling. */
export function LiveBanner() {
  useTimeZone();
  const status = useLiveStatus();
  const problems = status.data?.problems ?? [];
  return (
    <div role="alert" aria-live="assertive" className={problems.length ? 'live-banner' : undefined}>
      {problems.map((p) => (
        <p key={p.incidentId} className="live-banner__item">
          <LiveProblemText problem={p} />
        </p>
      ))}
    </div>
  );
}

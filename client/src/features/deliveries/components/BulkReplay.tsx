import { useState } from 'react';
import type { BulkReplayJobDto, ReplayJobStatus } from '@contract/contract.ts';
import { ConfirmAction } from '../../../components/ConfirmAction.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { statusLabel } from '../../../components/StatusBadge.tsx';
import { usePermissions } from '../../../lib/session.ts';
import { formatNumber, formatPercent } from '../../../lib/time.ts';
import {
  useCancelReplayJob,
  useLatestReplayJob,
  useReplayDryRun,
  useStartReplayJob,
  type ReplayScope,
} from '../api/replay-jobs.ts';
import { replaySummary, ReplayResultsTable, skipParts } from './ReplayResults.tsx';

const STATUS_TONE: Record<ReplayJobStatus, string> = {
  running: 'info',
  completed: 'ok',
  cancelled: 'neutral',
  interrupted: 'warn',
  failed: 'bad',
};

const plural = (n: number, one: string, many: string) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** "1,200 matched: 900 replayed, 2 skipped (2 already applied), 298 not run": the parts add up to the whole. */
export function jobSummary(job: BulkReplayJobDto): string {
  const parts = skipParts(job.skippedBy);
  const skipped = parts.length ? `, ${formatNumber(job.skipped)} skipped (${parts.join(', ')})` : '';
  const notRun = job.notRun > 0 ? `, ${formatNumber(job.notRun)} not run` : '';
  const remaining = job.remaining > 0 ? `, ${formatNumber(job.remaining)} to go` : '';
  return `${formatNumber(job.matched)} matched: ${formatNumber(job.replayed)} replayed${skipped}${notRun}${remaining}.`;
}

function scopeText(job: BulkReplayJobDto): string {
  const { filter, outstandingOnly } = job.request;
  const parts = [
    outstandingOnly && 'outstanding failures',
    filter.failed && 'failed deliveries',
    filter.outcome && `outcome ${statusLabel(filter.outcome)}`,
    filter.status && `status ${filter.status}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'every delivery';
}

function endTitle(job: BulkReplayJobDto): string {
  switch (job.status) {
    case 'completed':
      return 'Replay finished';
    case 'cancelled':
      return `Replay cancelled${job.cancelledBy ? ` by ${job.cancelledBy}` : ''}`;
    case 'interrupted':
      return 'Replay interrupted';
    default:
      return 'Replay failed';
  }
}

/** The dismissed job's id, kept per browser so a finished summary stays dismissed across reloads. */
function useDismissed(): [number | null, (id: number) => void] {
  const key = 'csm.replayJob.dismissed';
  const [id, setId] = useState<number | null>(() => Number(globalThis.localStorage?.getItem(key)) || null);
  return [
    id,
    (next) => {
      globalThis.localStorage?.setItem(key, String(next));
      setId(next);
    },
  ];
}

/**
 * The running bulk replay (anyone's) with its progress and a Cancel, else the last one's summary until
 * dismissed. Live: replay:progress and replay:finished update it (app/realtime.ts).
 */
export function ReplayJobPanel() {
  const latest = useLatestReplayJob();
  const cancel = useCancelReplayJob();
  const { canOperate } = usePermissions();
  const [dismissed, dismiss] = useDismissed();
  const job = latest.data?.job;
  if (latest.error) return <ErrorMessage error={latest.error} title="Could not load the bulk replay" />;
  if (!job || (job.status !== 'running' && dismissed === job.id)) return null;
  const running = job.status === 'running';
  const looked = job.replayed + job.skipped;
  const failedAgain = job.outcomes.failed ?? 0;
  const tone = job.status === 'completed' && failedAgain === 0 ? 'callout--ok' : 'callout--warn';
  return (
    <section className="card" aria-labelledby="replay-job-heading">
      <div className="toolbar toolbar--wrap">
        <h2 id="replay-job-heading">
          Bulk replay #{job.id} <span className={`badge badge--${STATUS_TONE[job.status]}`}>{job.status}</span>
        </h2>
        {running && canOperate && !job.cancelledBy && (
          <ConfirmAction
            label="Cancel replay"
            consequence="Stops between two deliveries: what was replayed stays replayed, the rest is counted as not run."
            confirmLabel="Yes, cancel the replay"
            danger
            pending={cancel.isPending}
            onConfirm={() => cancel.mutate(job.id)}
          />
        )}
        {!running && (
          <button type="button" className="button button--small" onClick={() => dismiss(job.id)}>
            Dismiss
          </button>
        )}
      </div>
      <p className="muted small">
        {scopeText(job)} · started by {job.startedBy} <RelativeTime iso={job.startedAt} />
        {job.finishedAt && (
          <>
            {' '}
            · ended <RelativeTime iso={job.finishedAt} />
          </>
        )}
      </p>
      <div className="progress-field">
        <progress
          max={1}
          value={job.progress}
          aria-label="Bulk replay progress"
          aria-valuetext={`${formatNumber(looked)} of ${formatNumber(job.matched)} deliveries done`}
        />
      </div>
      {running ? (
        <p aria-live="polite">
          {formatNumber(looked)} of {plural(job.matched, 'delivery', 'deliveries')} done ({formatPercent(job.progress)})
          · {formatNumber(job.replayed)} replayed · {formatNumber(job.skipped)} skipped · {formatNumber(job.remaining)}{' '}
          remaining
          {job.cancelledBy && ` · cancelling (asked by ${job.cancelledBy})…`}
        </p>
      ) : (
        <p className={`callout ${tone}`} role="status">
          <strong>
            {endTitle(job)}: {jobSummary(job)}
          </strong>
          {failedAgain > 0 && ` ${plural(failedAgain, 'replay', 'replays')} failed again.`}
        </p>
      )}
      <dl className="stats stats--compact" aria-label="Bulk replay figures">
        <div className="stat">
          <dt className="stat__label">Matched</dt>
          <dd className="stat__value">{formatNumber(job.matched)}</dd>
        </div>
        <div className={`stat${failedAgain ? ' stat--warn' : ' stat--ok'}`}>
          <dt className="stat__label">Replayed</dt>
          <dd className="stat__value" data-testid="replay-replayed">
            {formatNumber(job.replayed)}
          </dd>
          {job.replayed > 0 && (
            <dd className="stat__detail">
              {Object.entries(job.outcomes)
                .map(([outcome, n]) => `${formatNumber(n ?? 0)} ${outcome}`)
                .join(', ')}
            </dd>
          )}
        </div>
        <div className="stat">
          <dt className="stat__label">Skipped</dt>
          <dd className="stat__value">{formatNumber(job.skipped)}</dd>
          {job.skipped > 0 && <dd className="stat__detail">{skipParts(job.skippedBy).join(', ')}</dd>}
        </div>
        <div className={`stat${job.notRun || job.remaining ? ' stat--warn' : ''}`}>
          <dt className="stat__label">{running ? 'Remaining' : 'Not run'}</dt>
          <dd className="stat__value">{formatNumber(running ? job.remaining : job.notRun)}</dd>
        </div>
      </dl>
      {job.error && <p className="callout callout--warn">{job.error}</p>}
      {cancel.error && <ErrorMessage error={cancel.error} title="Could not cancel" />}
      {job.failures.length > 0 && (
        <ReplayResultsTable results={job.failures} caption="Replays that failed again (the first ones)" />
      )}
    </section>
  );
}

/**
 * Replay every delivery of `scope` that can change something: a dry run first (its figures add up), one confirm,
 * then a job in the background (ReplayJobPanel shows it). Refused while a bulk replay runs.
 */
export function BulkReplayStart({
  scope,
  label,
  what,
  disabled = false,
  describedBy,
}: {
  scope: ReplayScope;
  /** the button that asks for the dry run */
  label: string;
  /** what is replayed, for the confirm: "outstanding messages", "failed deliveries" */
  what: string;
  disabled?: boolean;
  /** the id of text that says what the button covers */
  describedBy?: string;
}) {
  const dry = useReplayDryRun();
  const start = useStartReplayJob();
  const running = useLatestReplayJob().data?.job?.status === 'running';
  return (
    <>
      {!dry.data && (
        <button
          type="button"
          className="button"
          disabled={disabled || running || dry.isPending || start.isPending}
          aria-describedby={[describedBy, running && 'replay-running'].filter(Boolean).join(' ') || undefined}
          onClick={() => (start.reset(), dry.mutate(scope))}
        >
          {dry.isPending ? 'Checking…' : label}
        </button>
      )}
      {running && !dry.data && (
        <span id="replay-running" className="muted small">
          A bulk replay is running.
        </span>
      )}
      {dry.error && <ErrorMessage error={dry.error} title="Dry run failed" />}
      {dry.data && (
        <div className="callout callout--info" role="status">
          <p className="callout__title">Dry run: {replaySummary(dry.data)}</p>
          <div className="toolbar toolbar--wrap">
            {dry.data.replayed > 0 && (
              <ConfirmAction
                label={`Replay ${formatNumber(dry.data.replayed)}`}
                consequence={`Re-applies the stored payloads of ${plural(dry.data.replayed, 'message', 'messages')} (${what}), one attempt each, in the background; each replay is recorded as a new delivery.`}
                confirmLabel={`Yes, replay ${formatNumber(dry.data.replayed)}`}
                pending={start.isPending}
                onConfirm={() => start.mutate(scope, { onSettled: () => dry.reset() })}
              />
            )}
            <button type="button" className="button" onClick={() => dry.reset()}>
              Close
            </button>
          </div>
        </div>
      )}
      {start.error && <ErrorMessage error={start.error} title="Replay not started" />}
    </>
  );
}

import type { AlertChannelDto, IncidentKind, IncidentState } from '@contract/contract.ts';
import { RelativeTime } from '../../../components/RelativeTime.tsx';

const STATE_TONE: Record<IncidentState, string> = { open: 'bad', acknowledged: 'warn', resolved: 'ok' };

/** The state as text plus colour (never colour alone). */
export function IncidentStateBadge({ state }: { state: IncidentState }) {
  return <span className={`badge badge--${STATE_TONE[state]}`}>{state}</span>;
}

export const KIND_LABEL: Record<IncidentKind, string> = {
  apply_failed: 'Failed applies',
  storage_unavailable: 'Storage refusing webhooks',
  signature_failed: 'Signature failures',
  clerk_api: "Clerk's Backend API",
  drift: 'Drift',
  silence: 'Silence',
};

/** Alert channels whose last alert failed: shown on the Incidents pages, since an alert that never arrives is itself an incident. */
export function FailingChannels({ channels }: { channels: readonly AlertChannelDto[] | undefined }) {
  const failing = (channels ?? []).filter((c) => c.failing);
  if (failing.length === 0) return null;
  return (
    <div className="callout callout--warn" role="alert">
      <strong>Alerts are not getting through.</strong>
      <ul>
        {failing.map((c) => (
          <li key={c.name}>
            The {c.name} channel ({c.target}) failed <RelativeTime iso={c.lastAt} />: {c.lastError}
          </li>
        ))}
      </ul>
    </div>
  );
}

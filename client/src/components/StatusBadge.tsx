import type { DeliveryOutcome, SyncStatus } from '@contract/contract.ts';

type Tone = 'ok' | 'warn' | 'bad' | 'neutral' | 'info';

const TONES: Record<DeliveryOutcome | SyncStatus, Tone> = {
  applied: 'ok',
  stale: 'neutral',
  duplicate: 'neutral',
  conflict: 'warn',
  not_projected: 'info',
  failed: 'bad',
  quarantined: 'bad',
  // one meaning everywhere: red failed, amber refused or retrying, green applied
  rejected: 'warn',
  unavailable: 'warn',
  in_sync: 'ok',
  drifted: 'warn',
  deleted: 'neutral',
  never_compared: 'neutral',
};

const LABELS: Partial<Record<DeliveryOutcome | SyncStatus, string>> = {
  not_projected: 'not projected',
  in_sync: 'in sync',
  never_compared: 'never compared',
};

export const statusLabel = (status: string): string => LABELS[status as DeliveryOutcome] ?? status.replaceAll('_', ' ');

/** Outcome or sync status as text plus colour (never colour alone). */
export function StatusBadge({ status }: { status: DeliveryOutcome | SyncStatus }) {
  return <span className={`badge badge--${TONES[status] ?? 'neutral'}`}>{statusLabel(status)}</span>;
}

/** HTTP status code, coloured by class. */
export function HttpStatus({ code }: { code: number }) {
  // 503 asks Svix to retry (amber); other 5xx are failures (red); 4xx were refused (amber)
  const tone: Tone =
    code === 503 ? 'warn' : code >= 500 ? 'bad' : code >= 400 ? 'warn' : code >= 200 && code < 300 ? 'ok' : 'neutral';
  return <span className={`badge badge--${tone} mono`}>{code}</span>;
}

import type { FieldDiff } from '@contract/contract.ts';
import { DiffTable } from '../../../components/DiffTable.tsx';
import { fromFieldDiffs } from '../../../lib/diff.ts';

/** Whether a finding was fixed, and what the fix did. */
export function FixBadge({ fixResult, fixed }: { fixResult: string | null; fixed: boolean }) {
  return <span className={`badge badge--${fixed ? 'ok' : 'warn'}`}>{fixed ? `fixed: ${fixResult}` : 'not fixed'}</span>;
}

/** A finding's field differences, folded: local copy before, Clerk after. */
export function FindingDiff({ diff, subject }: { diff: readonly FieldDiff[]; subject: string }) {
  if (diff.length === 0) return null;
  return (
    <details>
      <summary>
        {diff.length} field{diff.length === 1 ? '' : 's'} differ
      </summary>
      <DiffTable
        rows={fromFieldDiffs(diff)}
        caption={`Differences for ${subject}`}
        beforeLabel="Local copy"
        afterLabel="Clerk"
      />
    </details>
  );
}

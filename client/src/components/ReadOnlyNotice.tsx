import { VIEWER_EXPLANATION } from '../lib/session.ts';

/** Where a viewer would find an action they may not take: says why, in plain text. */
export function ReadOnlyNotice({ action, id }: { action: string; id?: string }) {
  return (
    <p className="muted small" id={id} role="note">
      {VIEWER_EXPLANATION} {action}.
    </p>
  );
}

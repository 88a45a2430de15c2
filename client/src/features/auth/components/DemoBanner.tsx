import { useHealth, useMeta } from '../api/auth.ts';

/**
 * Operators must never mistake emulator data for production: say so on every page. Signed out, only the
 * public health check can tell (GET /api/meta needs a session).
 */
export function DemoBanner({ signedIn = true }: { signedIn?: boolean }) {
  const meta = useMeta(signedIn);
  const health = useHealth(!signedIn);
  const demo = signedIn ? meta.data?.demo : health.data?.demo;
  if (!demo) return null;
  const emulatorUrl = signedIn ? meta.data?.emulatorUrl : null;
  return (
    <div className="demo-banner" role="note">
      <strong>Demo data.</strong> This monitor is fed by the built-in Clerk emulator
      {emulatorUrl ? (
        <>
          {' '}
          at <code>{emulatorUrl}</code>
        </>
      ) : null}
      , not by a real Clerk instance.
    </div>
  );
}

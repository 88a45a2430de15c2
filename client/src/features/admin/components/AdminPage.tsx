import { useState, type FormEvent } from 'react';
import type { ApiTokenDto, CreatedApiToken, CreateOperatorResult, PurgeUserResult, Role } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { DateTime, RelativeTime } from '../../../components/RelativeTime.tsx';
import { usePermissions } from '../../../lib/session.ts';
import { useNow } from '../../../lib/use-now.ts';
import { useCreateToken, useInviteOperator, useOperators, usePurgeUser, useRevokeToken, useTokens, useUpdateOperator } from '../api/admin.ts';

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const ROLE_HELP: Record<Role, string> = {
  viewer: 'reads everything, changes nothing',
  operator: 'also resyncs, replays and reconciles',
  admin: 'also manages operators and API tokens',
};

/** Expiry choices for a new token, in days; 0 = never (a token then lives until it is revoked). */
const EXPIRY_CHOICES: readonly { days: number; label: string }[] = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'never' },
];

/** What a token can do now: revoked, expired, or its owner's state, as a badge. */
function TokenStatus({ token, now, onRevoke, revoking }: { token: ApiTokenDto; now: number; onRevoke: () => void; revoking: boolean }) {
  if (token.revokedAt) return <span className="badge badge--neutral">revoked</span>;
  const expired = token.expiresAt !== null && new Date(token.expiresAt).getTime() <= now;
  return (
    <>
      {expired ? (
        <span className="badge badge--bad">expired</span>
      ) : token.effectiveRole === null ? (
        <span className="badge badge--bad">{token.owner ? 'owner disabled' : 'owner deleted'}</span>
      ) : token.effectiveRole !== token.role ? (
        <span className="badge badge--warn" title={`${token.owner ?? 'Its owner'} is ${token.effectiveRole} now`}>
          limited to {token.effectiveRole}
        </span>
      ) : null}{' '}
      <button type="button" className="button button--small" disabled={revoking} onClick={onRevoke}>
        Revoke {token.name}
      </button>
    </>
  );
}

/** A secret the server shows once: say so, and make it easy to copy. */
function ShownOnce({ label, value }: { label: string; value: string }) {
  return (
    <div className="callout callout--warn" role="status">
      <p className="callout__title">{label}</p>
      <p>This is shown once: copy it now. Only its hash is stored.</p>
      <p className="secret-once" aria-label={label}>
        {value}
      </p>
    </div>
  );
}

function Operators() {
  const query = useOperators();
  const invite = useInviteOperator();
  const update = useUpdateOperator();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [invited, setInvited] = useState<CreateOperatorResult | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate(
      { email, role, ...(password ? { password } : {}) },
      {
        onSuccess: (r) => {
          setInvited(r);
          setEmail('');
          setPassword('');
        },
      },
    );
  };

  return (
    <section className="card" aria-labelledby="operators-heading">
      <h2 id="operators-heading">Operators</h2>
      <form className="form-row" onSubmit={submit} aria-label="Invite an operator">
        <label className="field">
          <span>Email</span>
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r} — {ROLE_HELP[r]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Password (optional)</span>
          <input type="password" minLength={8} autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="password-help" />
        </label>
        <button type="submit" className="button button--primary" disabled={invite.isPending}>
          {invite.isPending ? 'Inviting…' : 'Invite'}
        </button>
      </form>
      <p id="password-help" className="muted small">
        Leave the password empty to get a one-time password to hand over.
      </p>
      {invite.error && <ErrorMessage error={invite.error} title="Could not invite" />}
      {invited && (
        <p role="status">
          Invited {invited.operator.email} as {invited.operator.role}.
        </p>
      )}
      {invited?.oneTimePassword && <ShownOnce label={`One-time password for ${invited.operator.email}`} value={invited.oneTimePassword} />}
      {update.error && <ErrorMessage error={update.error} title="Could not change the operator" />}
      <DataState isPending={query.isPending} error={query.error} hasData={!!query.data} onRetry={() => void query.refetch()}>
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Operators</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data?.map((op) => (
                <tr key={op.id}>
                  <td>{op.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${op.email}`}
                      value={op.role}
                      disabled={update.isPending}
                      onChange={(e) => update.mutate({ id: op.id, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <span className={`badge badge--${op.disabled ? 'bad' : 'ok'}`}>{op.disabled ? 'disabled' : 'active'}</span>
                  </td>
                  <td>
                    <DateTime iso={op.createdAt} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button button--small"
                      disabled={update.isPending}
                      onClick={() => update.mutate({ id: op.id, disabled: !op.disabled })}
                    >
                      {op.disabled ? `Enable ${op.email}` : `Disable ${op.email}`}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted small">Disabling an operator ends all their sessions and live connections at once.</p>
      </DataState>
    </section>
  );
}

function Tokens() {
  const query = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [expiresInDays, setExpiresInDays] = useState(90);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const now = useNow();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name, role, ...(expiresInDays > 0 ? { expiresInDays } : {}) },
      {
        onSuccess: (r) => {
          setCreated(r);
          setName('');
        },
      },
    );
  };

  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="muted small">
        For automation: send <span className="mono">Authorization: Bearer &lt;token&gt;</span>. A token has a role like an operator, and acts for
        the admin who creates it: it never does more than they may, and stops working when they are disabled.
      </p>
      <form className="form-row" onSubmit={submit} aria-label="Create an API token">
        <label className="field">
          <span>Token name</span>
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Token role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Expires after</span>
          <select value={expiresInDays} onChange={(e) => setExpiresInDays(Number(e.target.value))}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.days} value={c.days}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {create.error && <ErrorMessage error={create.error} title="Could not create the token" />}
      {created && <ShownOnce label={`API token ${created.token.name}`} value={created.secret} />}
      {revoke.error && <ErrorMessage error={revoke.error} title="Could not revoke the token" />}
      <DataState
        isPending={query.isPending}
        error={query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
        isEmpty={query.data?.length === 0}
        empty="No API tokens yet."
      >
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {query.data?.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td>
                    <RelativeTime iso={t.createdAt} /> by {t.createdBy}
                    {t.owner && t.owner !== t.createdBy && <span className="muted"> for {t.owner}</span>}
                  </td>
                  <td>{t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : 'never'}</td>
                  <td>{t.expiresAt ? <DateTime iso={t.expiresAt} /> : 'never'}</td>
                  <td>
                    <TokenStatus token={t} now={now} revoking={revoke.isPending} onRevoke={() => revoke.mutate(t.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </DataState>
    </section>
  );
}

function PurgeUser() {
  const purge = usePurgeUser();
  const [userId, setUserId] = useState('');
  const [done, setDone] = useState<PurgeUserResult | null>(null);
  return (
    <section className="card" aria-labelledby="purge-heading">
      <h2 id="purge-heading">Erase a user's stored payloads</h2>
      <p className="muted small">
        Erases the stored webhook payloads and session data of one user (a privacy request). A deleted user keeps only its tombstone. It
        cannot be undone, and it is recorded in the audit trail.
      </p>
      <form
        className="form-row"
        aria-label="Erase a user's payloads"
        onSubmit={(e) => {
          e.preventDefault();
          purge.mutate(userId.trim(), { onSuccess: setDone });
        }}
      >
        <label className="field">
          <span>User id</span>
          <input required pattern="\S+" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="user_…" />
        </label>
        <button type="submit" className="button" disabled={purge.isPending}>
          {purge.isPending ? 'Erasing…' : 'Erase payloads'}
        </button>
      </form>
      {purge.error && <ErrorMessage error={purge.error} title="Could not erase" />}
      {done && (
        <p role="status">
          Erased {done.eventPayloads} event payloads and {done.sessions} sessions of {done.userId}
          {done.tombstoneCleared ? '; the tombstone keeps no personal field.' : '.'}
        </p>
      )}
    </section>
  );
}

export function AdminPage() {
  const { isAdmin } = usePermissions();
  return (
    <>
      <title>Admin · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Admin</h1>
      </div>
      {isAdmin ? (
        <>
          <Operators />
          <Tokens />
          <PurgeUser />
        </>
      ) : (
        <p className="callout callout--warn">Only admins manage operators and API tokens.</p>
      )}
    </>
  );
}

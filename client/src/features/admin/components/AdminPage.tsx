import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ROLES, type AlertChannelDto, type ApiTokenDto, type OperatorAdminDto, type Role } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { DateTime, RelativeTime } from '../../../components/RelativeTime.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { meQueryOptions, usePermissions } from '../../../lib/session.ts';
import { ConfirmAction } from '../../../components/ConfirmAction.tsx';
import { CopyButton } from '../../../components/CopyButton.tsx';
import { useNow } from '../../../lib/use-now.ts';
import {
  useAlertChannelsAdmin,
  useCreateToken,
  useInviteOperator,
  useOperators,
  usePurgeUser,
  useRevokeToken,
  useSendTestAlert,
  useTokens,
  useUpdateOperator,
} from '../api/admin.ts';
import { AdminForm } from './AdminForm.tsx';

// The contract lists the roles from the most powerful; choices start from the least (the default).
const ROLES_LEAST_FIRST = [...ROLES].reverse();
const ROLE_HELP: Record<Role, string> = {
  viewer: 'reads everything, changes nothing',
  operator: 'also resyncs, replays and reconciles',
  admin: 'also manages operators and API tokens',
};
const ROLE_CHOICES = ROLES_LEAST_FIRST.map((r) => ({ value: r, label: r }));
const ROLE_CHOICES_EXPLAINED = ROLES_LEAST_FIRST.map((r) => ({ value: r, label: `${r} — ${ROLE_HELP[r]}` }));

/** Expiry choices for a new token, in days; 0 = never (a token then lives until it is revoked). */
const EXPIRY_CHOICES = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: '0', label: 'never' },
];

/** What a token can do now: revoked, expired, or its owner's state, as a badge. */
function TokenStatus({
  token,
  now,
  onRevoke,
  revoking,
}: {
  token: ApiTokenDto;
  now: number;
  onRevoke: () => void;
  revoking: boolean;
}) {
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
      <ConfirmAction
        className="button button--small"
        label={`Revoke ${token.name}`}
        consequence={`Revoking ${token.name} refuses it from its next request on, everywhere. It cannot be undone: automation using it needs a new token.`}
        confirmLabel={`Yes, revoke ${token.name}`}
        danger
        pending={revoking}
        onConfirm={onRevoke}
      />
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
      <CopyButton
        value={value}
        label={`Copy ${label.toLowerCase().startsWith('api token') ? 'the token' : 'the password'}`}
      />
    </div>
  );
}

type InviteValues = { email: string; role: Role; password: string };
const INVITE: InviteValues = { email: '', role: 'viewer', password: '' };

function InviteOperator() {
  const invite = useInviteOperator();
  return (
    <AdminForm
      label="Invite an operator"
      fields={[
        { name: 'email', label: 'Email', input: { type: 'email', required: true } },
        { name: 'role', label: 'Role', choices: ROLE_CHOICES_EXPLAINED },
        {
          name: 'password',
          label: 'Password (optional)',
          input: { type: 'password', minLength: 8, autoComplete: 'new-password', 'aria-describedby': 'password-help' },
        },
      ]}
      initial={INVITE}
      clearOnSuccess={['email', 'password']}
      submit={{ label: 'Invite', pending: 'Inviting…', primary: true }}
      mutation={invite}
      request={({ email, role, password }) => ({ email, role, ...(password ? { password } : {}) })}
      errorTitle="Could not invite"
      done={(invited) => (
        <>
          <p role="status">
            Invited {invited.operator.email} as {invited.operator.role}.
          </p>
          {invited.oneTimePassword && (
            <ShownOnce label={`One-time password for ${invited.operator.email}`} value={invited.oneTimePassword} />
          )}
        </>
      )}
      hint={
        <p id="password-help" className="muted small">
          Leave the password empty to get a one-time password to hand over.
        </p>
      }
    />
  );
}

/** A role change is asked once, saying what it does; your own role is not offered (no self-lockout). */
function RoleControl({
  op,
  self,
  update,
}: {
  op: OperatorAdminDto;
  self: boolean;
  update: ReturnType<typeof useUpdateOperator>;
}) {
  const [pending, setPending] = useState<Role | null>(null);
  if (pending) {
    return (
      <span className="confirm" role="group" aria-label={`Confirm the role change of ${op.email}`}>
        <span className="confirm__text">
          {op.email} goes from {op.role} to {pending}: {ROLE_EFFECT[pending]} Their API tokens are capped at the new
          role at once.
        </span>
        <button
          type="button"
          className="button button--primary"
          autoFocus
          onClick={() => (update.mutate({ id: op.id, role: pending }), setPending(null))}
        >
          Yes, make {op.email} {pending}
        </button>
        <button type="button" className="button" onClick={() => setPending(null)}>
          Cancel
        </button>
      </span>
    );
  }
  return (
    <select
      aria-label={`Role of ${op.email}`}
      value={op.role}
      disabled={update.isPending || self}
      title={self ? 'You cannot change your own role: another admin can.' : undefined}
      onChange={(e) => setPending(e.target.value as Role)}
    >
      {ROLE_CHOICES.map((c) => (
        <option key={c.value} value={c.value}>
          {c.label}
        </option>
      ))}
    </select>
  );
}

const ROLE_EFFECT: Record<Role, string> = {
  admin: 'they can manage operators and tokens.',
  operator: 'they can resync, replay and reconcile, but not administer.',
  viewer: 'they can only look.',
};

function Operators() {
  const query = useOperators();
  const update = useUpdateOperator();
  const me = useQuery(meQueryOptions()).data;
  const columns: Column<OperatorAdminDto>[] = [
    { key: 'email', header: 'Email', render: (op) => op.email },
    {
      key: 'role',
      header: 'Role',
      render: (op) => <RoleControl op={op} self={op.id === me?.id} update={update} />,
    },
    {
      key: 'status',
      header: 'Status',
      render: (op) => (
        <span className={`badge badge--${op.disabled ? 'bad' : 'ok'}`}>{op.disabled ? 'disabled' : 'active'}</span>
      ),
    },
    { key: 'since', header: 'Since', render: (op) => <DateTime iso={op.createdAt} /> },
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      render: (op) =>
        op.disabled ? (
          <button
            type="button"
            className="button button--small"
            disabled={update.isPending}
            onClick={() => update.mutate({ id: op.id, disabled: false })}
          >
            Enable {op.email}
          </button>
        ) : op.id === me?.id ? (
          <span className="muted small">You (another admin can disable you)</span>
        ) : (
          <ConfirmAction
            className="button button--small"
            label={`Disable ${op.email}`}
            consequence={`${op.email} is signed out everywhere at once and their API tokens are revoked (enabling them again does not bring the tokens back).`}
            confirmLabel={`Yes, disable ${op.email}`}
            danger
            pending={update.isPending}
            onConfirm={() => update.mutate({ id: op.id, disabled: true })}
          />
        ),
    },
  ];

  return (
    <section className="card" aria-labelledby="operators-heading">
      <h2 id="operators-heading">Operators</h2>
      <InviteOperator />
      {update.error && <ErrorMessage error={update.error} title="Could not change the operator" />}
      <DataState
        isPending={query.isPending}
        error={query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
      >
        <Table items={query.data ?? []} columns={columns} getKey={(op) => op.id} caption="Operators" />
        <p className="muted small">Disabling an operator ends all their sessions and live connections at once.</p>
      </DataState>
    </section>
  );
}

type TokenValues = { name: string; role: Role; expiresInDays: string };
const TOKEN: TokenValues = { name: '', role: 'viewer', expiresInDays: '90' };

function CreateToken() {
  const create = useCreateToken();
  return (
    <AdminForm
      label="Create an API token"
      fields={[
        { name: 'name', label: 'Token name', input: { required: true, maxLength: 100 } },
        { name: 'role', label: 'Token role', choices: ROLE_CHOICES },
        { name: 'expiresInDays', label: 'Expires after', choices: EXPIRY_CHOICES },
      ]}
      initial={TOKEN}
      clearOnSuccess={['name']}
      submit={{ label: 'Create token', pending: 'Creating…', primary: true }}
      mutation={create}
      request={({ name, role, expiresInDays }) => ({
        name,
        role,
        ...(Number(expiresInDays) > 0 ? { expiresInDays: Number(expiresInDays) } : {}),
      })}
      errorTitle="Could not create the token"
      done={(created) => <ShownOnce label={`API token ${created.token.name}`} value={created.secret} />}
    />
  );
}

function Tokens() {
  const query = useTokens();
  const revoke = useRevokeToken();
  const now = useNow();
  const columns: Column<ApiTokenDto>[] = [
    { key: 'name', header: 'Name', render: (t) => t.name },
    { key: 'role', header: 'Role', render: (t) => t.role },
    {
      key: 'created',
      header: 'Created',
      render: (t) => (
        <>
          <RelativeTime iso={t.createdAt} /> by {t.createdBy}
          {t.owner && t.owner !== t.createdBy && <span className="muted"> for {t.owner}</span>}
        </>
      ),
    },
    { key: 'used', header: 'Last used', render: (t) => (t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : 'never') },
    { key: 'expires', header: 'Expires', render: (t) => (t.expiresAt ? <DateTime iso={t.expiresAt} /> : 'never') },
    {
      key: 'status',
      header: 'Status',
      render: (t) => (
        <TokenStatus token={t} now={now} revoking={revoke.isPending} onRevoke={() => revoke.mutate(t.id)} />
      ),
    },
  ];

  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="muted small">
        For automation: send <span className="mono">Authorization: Bearer &lt;token&gt;</span>. A token has a role like
        an operator, and acts for the admin who creates it: it never does more than they may, and stops working when
        they are disabled.
      </p>
      <CreateToken />
      {revoke.error && <ErrorMessage error={revoke.error} title="Could not revoke the token" />}
      <DataState
        isPending={query.isPending}
        error={query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
        isEmpty={query.data?.length === 0}
        empty="No API tokens yet."
      >
        <Table items={query.data ?? []} columns={columns} getKey={(t) => t.id} caption="API tokens" />
      </DataState>
    </section>
  );
}

function AlertChannels() {
  const query = useAlertChannelsAdmin();
  const test = useSendTestAlert();
  const columns: Column<AlertChannelDto>[] = [
    { key: 'name', header: 'Channel', rowHeader: true, render: (c) => c.name },
    { key: 'target', header: 'Sends to', className: 'mono break', render: (c) => c.target },
    {
      key: 'last',
      header: 'Last alert',
      render: (c) =>
        c.lastStatus ? (
          <>
            <span className={`badge badge--${c.failing ? 'bad' : 'ok'}`}>{c.failing ? 'failing' : 'sent'}</span>{' '}
            <RelativeTime iso={c.lastAt} />
            {c.lastError && <div className="small error-text">{c.lastError}</div>}
          </>
        ) : (
          <span className="muted">none yet</span>
        ),
    },
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      render: (c) => (
        <button
          type="button"
          className="button button--small"
          disabled={test.isPending}
          onClick={() => test.mutate(c.name)}
        >
          {test.isPending && test.variables === c.name ? 'Sending…' : `Send a test alert to ${c.name}`}
        </button>
      ),
    },
  ];
  return (
    <section className="card" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alert channels</h2>
      <p className="muted small">
        Set by environment: ALERT_WEBHOOK_URL (with ALERT_WEBHOOK_SECRET), ALERT_SLACK_WEBHOOK_URL, and SMTP_URL with
        ALERT_EMAIL_FROM and ALERT_EMAIL_TO. A test alert is retried like a real one; its result shows here.
      </p>
      {test.error && <ErrorMessage error={test.error} title="Test alert refused" />}
      {test.data && (
        <p role="status">
          Test alert to{' '}
          {test.data.map((c) => `${c.name}: ${c.failing ? `failed (${c.lastError ?? 'unknown'})` : 'sent'}`).join(', ')}
        </p>
      )}
      <DataState
        isPending={query.isPending}
        error={query.error}
        hasData={!!query.data}
        isEmpty={query.data?.length === 0}
        empty="No alert channel is configured: incidents show on the Incidents page only."
        onRetry={() => void query.refetch()}
      >
        <Table items={query.data ?? []} columns={columns} getKey={(c) => c.name} caption="Alert channels" />
      </DataState>
    </section>
  );
}

function PurgeUser() {
  const purge = usePurgeUser();
  return (
    <section className="card" aria-labelledby="purge-heading">
      <h2 id="purge-heading">Erase a user's stored payloads</h2>
      <p className="muted small">
        Erases the stored webhook payloads and session data of one user (a privacy request). A deleted user keeps only
        its tombstone. It cannot be undone, and it is recorded in the audit trail.
      </p>
      <AdminForm
        label="Erase a user's payloads"
        fields={[
          { name: 'userId', label: 'User id', input: { required: true, pattern: '\\S+', placeholder: 'user_…' } },
        ]}
        initial={{ userId: '' }}
        submit={{ label: 'Erase payloads', pending: 'Erasing…' }}
        mutation={purge}
        request={({ userId }) => userId.trim()}
        errorTitle="Could not erase"
        confirm={({ userId }) => ({
          consequence: `Erases every stored webhook payload and session of ${userId.trim()}; it cannot be undone and is recorded in the audit trail.`,
          label: `Yes, erase ${userId.trim()}`,
        })}
        done={(erased) => (
          <p role="status">
            Erased {erased.eventPayloads} event payloads and {erased.sessions} sessions of {erased.userId}
            {erased.tombstoneCleared ? '; the tombstone keeps no personal field.' : '.'}
          </p>
        )}
      />
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
          <AlertChannels />
          <PurgeUser />
        </>
      ) : (
        <p className="callout callout--warn">Only admins manage operators and API tokens.</p>
      )}
    </>
  );
}

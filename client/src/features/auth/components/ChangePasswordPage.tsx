import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { useChangePassword, useMe } from '../api/auth.ts';

const MIN_LENGTH = 12;

/** Change your own password; the only page a one-time password opens. */
export function ChangePasswordPage() {
  const me = useMe();
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const forced = me.data?.mustChangePassword === true;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!current) return setProblem(`Enter your ${forced ? 'one-time' : 'current'} password.`);
    if (next.length < MIN_LENGTH) return setProblem(`The new password needs at least ${MIN_LENGTH} characters.`);
    if (next !== repeat) return setProblem('The two new passwords differ.');
    setProblem(null);
    change.mutate(
      { currentPassword: current, newPassword: next },
      { onSuccess: () => (setCurrent(''), setNext(''), setRepeat('')) },
    );
  };

  return (
    <>
      <title>Change password · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Change your password</h1>
      </div>
      <section className="card card--narrow" aria-labelledby="password-heading">
        <h2 id="password-heading">
          {forced ? 'Choose your own password to continue' : `Password of ${me.data?.email ?? 'your account'}`}
        </h2>
        {forced && (
          <p className="callout callout--warn">
            You signed in with a one-time password an admin gave you. Choose a password of your own before anything
            else; your other sessions end.
          </p>
        )}
        {change.isSuccess && !forced && (
          <p className="callout callout--ok" role="status">
            Password changed. Your other sessions were signed out. <Link to="/">Back to the overview</Link>
          </p>
        )}
        {/* our own messages, in words, instead of the browser's validation bubbles */}
        <form onSubmit={onSubmit} className="form" noValidate>
          <label className="field">
            <span>{forced ? 'One-time password' : 'Current password'}</span>
            <input
              type="password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </label>
          <label className="field">
            <span>New password</span>
            <input
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_LENGTH}
              aria-describedby="new-password-hint"
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          </label>
          <span id="new-password-hint" className="muted small">
            At least {MIN_LENGTH} characters.
          </span>
          <label className="field">
            <span>Repeat the new password</span>
            <input
              type="password"
              autoComplete="new-password"
              required
              value={repeat}
              onChange={(e) => setRepeat(e.target.value)}
            />
          </label>
          {problem && (
            <p className="callout callout--error" role="alert">
              {problem}
            </p>
          )}
          {change.error && <ErrorMessage error={change.error} title="Password not changed" />}
          <button type="submit" className="button button--primary" disabled={change.isPending}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </form>
      </section>
    </>
  );
}

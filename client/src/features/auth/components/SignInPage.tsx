import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { Loading } from '../../../components/DataState.tsx';
import { isApiError } from '../../../lib/api.ts';
import { useLogin, useMe } from '../api/auth.ts';
import { DemoBanner } from './DemoBanner.tsx';

/** Only same-site paths after sign-in, never an open redirect. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const me = useMe();
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  if (me.isPending) return <Loading />;
  if (me.data) return <Navigate to={next} replace />;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ email: email.trim(), password }, { onSuccess: () => navigate(next, { replace: true }) });
  };

  const wrongCredentials = isApiError(login.error) && login.error.status === 401;

  return (
    <div className="signin">
      <title>Sign in · Clerk Sync Monitor</title>
      <DemoBanner signedIn={false} />
      <main className="signin__card" id="main">
        <h1>Clerk Sync Monitor</h1>
        <p className="muted">Sign in with your operator account.</p>
        <form onSubmit={onSubmit} className="form" noValidate={false}>
          <label className="field">
            <span>Email</span>
            <input
              type="email"
              name="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoFocus
            />
          </label>
          <label className="field">
            <span>Password</span>
            <input
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          {wrongCredentials ? (
            <p className="callout callout--error" role="alert">
              That email and password do not match an operator account.
            </p>
          ) : login.error ? (
            <ErrorMessage error={login.error} title="Could not sign in" />
          ) : null}
          {me.error ? <ErrorMessage error={me.error} title="Could not reach the server" /> : null}
          <button type="submit" className="button button--primary" disabled={login.isPending}>
            {login.isPending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </main>
    </div>
  );
}

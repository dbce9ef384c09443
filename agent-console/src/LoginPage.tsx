import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AppError, ErrorCode } from '@xiaowu/shared';
import { LanguageSwitch, errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import type { AgentAuth } from './auth';

/** The text for a failed sign-in: wrong credentials and non-agent accounts have their own. */
function loginErrorKey(err: unknown): MessageKey {
  if (err instanceof AppError) {
    if (err.code === ErrorCode.Unauthorized) return 'agent.login.wrongCredentials';
    if (err.code === ErrorCode.Forbidden) return 'agent.login.notAgent';
  }
  return errorKey(err);
}

export function LoginPage({ auth, message }: { auth: AgentAuth; message?: MessageKey }) {
  const { t } = useTranslation();
  const userId = useId();
  const passId = useId();
  const errId = useId();
  const userRef = useRef<HTMLInputElement>(null);
  const passRef = useRef<HTMLInputElement>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<MessageKey | undefined>();
  const [submitting, setSubmitting] = useState(false);

  useEffect(() => {
    document.title = `${t('agent.login.title')} · ${t('agent.title')}`;
  }, [t]);
  useEffect(() => userRef.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (submitting) return;
    if (!username.trim() || !password) {
      setError('agent.login.required');
      (username.trim() ? passRef : userRef).current?.focus();
      return;
    }
    setSubmitting(true);
    setError(undefined);
    try {
      await auth.login(username.trim(), password);
    } catch (err) {
      console.warn('login failed', err);
      setError(loginErrorKey(err));
      setPassword('');
      passRef.current?.focus();
      setSubmitting(false);
    }
  };

  return (
    <div className="login-page">
      <header className="login-top">
        <LanguageSwitch />
      </header>
      <main className="login-card panel" aria-labelledby="login-title">
        <h1 id="login-title">{t('agent.login.title')}</h1>
        <p className="muted">{t('agent.login.subtitle')}</p>
        {message && !error && (
          <p className="alert alert-info" role="status" data-testid="login-message">
            {t(message)}
          </p>
        )}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <label htmlFor={userId} className="field-label">
            {t('agent.login.username')}
          </label>
          <input
            id={userId}
            ref={userRef}
            className="field"
            data-testid="login-username"
            autoComplete="username"
            autoCapitalize="off"
            spellCheck={false}
            value={username}
            aria-invalid={error === 'agent.login.required' && !username.trim() ? true : undefined}
            aria-describedby={error ? errId : undefined}
            onChange={(e) => setUsername(e.target.value)}
          />
          <label htmlFor={passId} className="field-label">
            {t('agent.login.password')}
          </label>
          <input
            id={passId}
            ref={passRef}
            type="password"
            className="field"
            data-testid="login-password"
            autoComplete="current-password"
            value={password}
            aria-describedby={error ? errId : undefined}
            onChange={(e) => setPassword(e.target.value)}
          />
          {error && (
            <p id={errId} className="alert alert-error" role="alert" data-testid="login-error">
              {t(error)}
            </p>
          )}
          <button type="submit" className="btn btn-primary btn-wide" data-testid="login-submit" aria-busy={submitting || undefined} disabled={submitting}>
            {submitting ? t('agent.login.submitting') : t('agent.login.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}

/**
 * Full-screen pages shown before the booth can take residents: not enrolled,
 * enrolling / connecting, refused, or the server out of reach (retried by itself).
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '@xiaowu/shared/i18n';
import type { BootState, BoothBoot } from './booth-boot';
import { useNow } from '@xiaowu/shared/ui';

export function BootScreen({ state, boot }: { state: Exclude<BootState, { kind: 'ready' }>; boot: BoothBoot }) {
  const { t } = useTranslation();
  const now = useNow(state.kind === 'unreachable');

  useEffect(() => {
    document.title = t('booth.title');
  }, [t]);

  return (
    <div className="app boot" data-testid="boot-state" data-state={state.kind}>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            政
          </span>
          <span className="brand-text">
            <span className="brand-name">{t('booth.title')}</span>
            <span className="brand-sub">{t('booth.subtitle')}</span>
          </span>
        </div>
        <LanguageSwitch />
      </header>
      <main className="screen boot-screen">
        {state.kind === 'starting' ? (
          <div className="boot-card" role="status">
            <div className="pulse" aria-hidden="true" />
            <p className="boot-title">{state.enrolling ? t('booth.enroll.enrolling') : t('booth.enroll.connecting')}</p>
          </div>
        ) : state.kind === 'not-enrolled' ? (
          <div className="boot-card" data-testid="not-enrolled">
            <div className="boot-mark" aria-hidden="true">
              !
            </div>
            <h1 className="boot-title">{t('booth.enroll.notEnrolledTitle')}</h1>
            <p className="hint">{t('booth.enroll.notEnrolledHint')}</p>
          </div>
        ) : state.kind === 'rejected' ? (
          <div className="boot-card" role="alert" data-testid="enroll-rejected">
            <div className="boot-mark" aria-hidden="true">
              !
            </div>
            <h1 className="boot-title">{state.enrolling ? t('booth.enroll.failedTitle') : t('booth.enroll.rejectedTitle')}</h1>
            <p className="hint">{t('errors.UNAUTHORIZED')}</p>
          </div>
        ) : (
          <div className="boot-card" role="alert" data-testid="boot-unreachable">
            <div className="boot-mark" aria-hidden="true">
              !
            </div>
            <h1 className="boot-title">{t('booth.enroll.unreachableTitle')}</h1>
            <p className="hint">{t(state.error)}</p>
            <p className="hint">{t('booth.enroll.retryIn', { seconds: Math.max(0, Math.ceil((state.retryAt - now) / 1000)) })}</p>
            <button type="button" className="btn btn-primary btn-large" onClick={() => boot.retryNow()}>
              {t('booth.enroll.retryNow')}
            </button>
          </div>
        )}
      </main>
    </div>
  );
}

/**
 * Service hours at the booth: whether a skill is served now (checked when a
 * notice opens, and again every minute while it stays open), and the
 * 「现在不在服务时间」 note with the next opening in Beijing time.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OpenStatus } from '@xiaowu/shared';
import { fetchServiceHours } from './booking-api';
import { whenText } from './beijing-time';
import { useNow } from '@xiaowu/shared/ui';
import { ClockIcon } from './icons';

const RECHECK_MS = 60_000;

export interface HoursState {
  /** Unknown while loading or when the server could not be asked (then the call button stays: the server decides). */
  status?: OpenStatus;
  loading: boolean;
}

/** GET /api/service-hours?skill=…, again every minute and whenever `refreshKey` changes. */
export function useServiceHours(skill: string | undefined, refreshKey?: unknown): HoursState {
  const [state, setState] = useState<HoursState & { skill?: string }>({ loading: false });
  useEffect(() => {
    if (!skill) return;
    let ctl = new AbortController();
    const load = () => {
      ctl.abort();
      const c = (ctl = new AbortController());
      setState((s) => (s.skill === skill ? { ...s, loading: true } : { skill, loading: true }));
      fetchServiceHours(skill, c.signal).then(
        (status) => {
          if (!c.signal.aborted) setState({ skill, status, loading: false });
        },
        (err) => {
          if (c.signal.aborted) return;
          console.warn('service hours unavailable', err);
          setState((s) => ({ ...s, skill, loading: false }));
        },
      );
    };
    load();
    const timer = setInterval(load, RECHECK_MS);
    return () => {
      ctl.abort();
      clearInterval(timer);
    };
  }, [skill, refreshKey]);
  if (!skill) return { loading: false };
  return state.skill === skill ? state : { loading: true };
}

/** 「现在不在服务时间」 and 「下次服务时间：明天（周四）08:30」; `hint` says what to do meanwhile. */
export function ClosedNote({ status, hint, className = '' }: { status?: OpenStatus; hint?: string; className?: string }) {
  const { t } = useTranslation();
  const now = useNow();
  const next = status && !status.open ? status.nextOpen : undefined;
  return (
    <div className={`closed-note ${className}`} role="status" data-testid="out-of-hours">
      <ClockIcon />
      <div className="closed-text">
        <strong className="closed-title">{t('booth.hours.closedTitle')}</strong>
        {status && !status.open && (
          <span className="closed-next" data-testid="next-open" data-next-open={next ?? ''}>
            {next !== undefined ? t('booth.hours.nextOpen', { when: whenText(t, next, now) }) : t('booth.hours.noNextOpen')}
          </span>
        )}
        {hint && <span className="closed-hint">{hint}</span>}
      </div>
    </div>
  );
}

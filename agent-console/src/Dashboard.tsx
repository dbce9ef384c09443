/**
 * The 监控大屏 tab: the live connection's state and snapshot time over the
 * DashboardView. The snapshot comes from the supervisor area's one socket
 * (dashboard-live.ts), pushed by the server; nothing here polls.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiRequest } from '@xiaowu/shared/client';
import { type DashboardLive, useDashboardLive } from './dashboard-live';
import { DashboardView, beijingWhen } from './DashboardView';

/** Type loosely where a key is built at run time. */
type LooseT = (key: string, opts?: Record<string, unknown>) => string;

interface CatalogNames {
  departments: Array<{ id: string; name: string; matters: Array<{ skill: string }> }>;
}

/** Department names for skills (as at the agent desk); ids are shown until the catalog arrives. */
function useSkillNames(): Record<string, string> | undefined {
  const [names, setNames] = useState<Record<string, string>>();
  useEffect(() => {
    const ctl = new AbortController();
    apiRequest<CatalogNames>('/api/catalog', { signal: ctl.signal }).then(
      (c) => {
        const out: Record<string, string> = {};
        for (const d of c.departments) out[d.id] = d.name;
        for (const d of c.departments) for (const m of d.matters) out[m.skill] ??= `${d.name}（${m.skill}）`;
        setNames(out);
      },
      (err) => {
        if (!ctl.signal.aborted) console.warn('catalog names unavailable; showing skill ids', err);
      },
    );
    return () => ctl.abort();
  }, []);
  return names;
}

export function DashboardTab({ live, monitor }: { live: DashboardLive; monitor?: (sessionId: string) => void }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  const state = useDashboardLive(live);
  const skillNames = useSkillNames();
  const snap = state.snapshot;
  const now = Date.now() + state.clockOffset;

  return (
    <div className="dash-tab" data-testid="dashboard" data-connection={state.connection} data-has-snapshot={!!snap}>
      <div className="dash-statusbar">
        <span className={`dash-conn conn-${state.connection}`} role="status" data-testid="dash-connection" data-connection={state.connection}>
          <span className="dash-conn-dot" aria-hidden="true" />
          {lt(`supervisor.dash.connection.${state.connection}`)}
        </span>
        {snap && (
          <span className="dash-updated" data-testid="dash-updated-at" data-at={snap.at}>
            {t('supervisor.dash.updatedAt', { time: beijingWhen(snap.at, now) })}
          </span>
        )}
      </div>
      {state.error && (
        <p className="alert alert-error" role="alert" data-testid="dash-error" data-code={state.error}>
          {t('supervisor.dash.refused', { reason: lt(`supervisor.errors.${state.error}`) })}
        </p>
      )}
      {snap && state.connection !== 'online' && (
        <p className="alert alert-warning" role="status" data-testid="dash-stale">
          {t('supervisor.dash.stale', { time: beijingWhen(snap.at, now) })}
        </p>
      )}
      {snap ? (
        <DashboardView snapshot={snap} clockOffset={state.clockOffset} skillNames={skillNames} onMonitor={monitor} />
      ) : (
        !state.error && (
          <p className="muted dash-waiting" role="status">
            {t('supervisor.dash.waitingForData')}
          </p>
        )
      )}
    </div>
  );
}

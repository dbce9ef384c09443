/**
 * The supervisor area of the console (值班长工作台): supervisors sign in at the
 * same page as agents and land here instead of the agent desk. Its functions
 * are tabs — 监控大屏, 好差评与整改, 统计报表, 录像回放; another is added by
 * putting one more entry in SUPERVISOR_TABS (an id, a text under
 * supervisor.tabs, a render).
 *
 * The area holds one signaling connection (DashboardLive), opened here and
 * closed on sign-out / unmount: the dashboard renders its pushed snapshots and
 * the follow-up list reloads when they change. It stays connected while
 * another tab is shown. 静默监听 (monitor-session.ts) runs on the same socket;
 * its panel (MonitorPanel) stands beside the tabs while a call is monitored.
 */
import { Suspense, lazy, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CasesApi } from '@xiaowu/shared/client';
import { LanguageSwitch } from '@xiaowu/shared/i18n';
import type { AgentLogin } from './auth';
import { DashboardTab } from './Dashboard';
import { DashboardLive } from './dashboard-live';
import { FeedbackTab } from './FollowUps';
import { MonitorPanel } from './MonitorPanel';
import { MonitorSession } from './monitor-session';
import { RecordingsTab } from './Recordings';
import { RecordingsApi } from './recordings-api';
import { SupervisionApi } from './supervision-api';
import './supervisor.css';

// recharts is large: loaded when the statistics tab is first opened.
const FiguresTab = lazy(() => import('./Figures').then((m) => ({ default: m.FiguresTab })));

/** What every tab gets: the signed-in supervisor, the APIs with its token and the live connection. */
export interface SupervisorContext {
  login: AgentLogin;
  recordings: RecordingsApi;
  cases: CasesApi;
  /** Follow-ups and statistics (REST). */
  supervision: SupervisionApi;
  /** The area's one socket: dashboard snapshots (pushed). */
  live: DashboardLive;
  /** 静默监听 of a live session; absent until the monitor view exists (the dashboard's buttons are disabled then). */
  monitor?: (sessionId: string) => void;
}

interface SupervisorTab {
  id: 'dashboard' | 'feedback' | 'figures' | 'recordings';
  render(ctx: SupervisorContext): ReactNode;
}

/** The tabs, in order (the first is shown after sign-in). */
const SUPERVISOR_TABS: readonly SupervisorTab[] = [
  { id: 'dashboard', render: (ctx) => <DashboardTab live={ctx.live} monitor={ctx.monitor} /> },
  { id: 'feedback', render: (ctx) => <FeedbackTab api={ctx.supervision} live={ctx.live} /> },
  {
    id: 'figures',
    render: (ctx) => (
      <Suspense fallback={<FiguresLoading />}>
        <FiguresTab api={ctx.supervision} />
      </Suspense>
    ),
  },
  { id: 'recordings', render: (ctx) => <RecordingsTab api={ctx.recordings} cases={ctx.cases} /> },
];

function FiguresLoading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t('supervisor.figures.loading')}
    </p>
  );
}

interface Props {
  login: AgentLogin;
  onLogout(): void;
  /** The server refused the token (expired): back to the sign-in page. */
  onUnauthorized(): void;
}

export function SupervisorApp({ login, onLogout, onUnauthorized }: Props) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<SupervisorTab['id']>(SUPERVISOR_TABS[0]!.id);
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;

  // 静默监听 runs on the area's one socket (the live connection's).
  const live = useMemo(
    () =>
      new DashboardLive(
        () => login.token,
        () => unauthorized.current(),
      ),
    [login],
  );
  const monitorSession = useMemo(() => new MonitorSession(live), [live]);
  useEffect(() => () => monitorSession.dispose(), [monitorSession]);

  const ctx = useMemo<SupervisorContext>(
    () => ({
      login,
      recordings: new RecordingsApi(
        () => login.token,
        () => unauthorized.current(),
      ),
      cases: new CasesApi(() => login.token),
      supervision: new SupervisionApi(
        () => login.token,
        () => unauthorized.current(),
      ),
      live,
      monitor: (sessionId: string) => monitorSession.join(sessionId),
    }),
    [login, live, monitorSession],
  );

  // The live connection: open while the area is shown (sign-out unmounts it).
  useEffect(() => {
    ctx.live.start();
    return () => ctx.live.stop();
  }, [ctx.live]);

  const title = t('supervisor.title');
  const tabText = t(`supervisor.tabs.${tab}`);
  useEffect(() => {
    document.title = `${tabText} · ${title}`;
  }, [title, tabText]);

  // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
  const onTabKey = (e: KeyboardEvent) => {
    const i = SUPERVISOR_TABS.findIndex((x) => x.id === tab);
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? SUPERVISOR_TABS.length - 1 : d ? (i + d + SUPERVISOR_TABS.length) % SUPERVISOR_TABS.length : -1;
    if (to < 0) return;
    e.preventDefault();
    const next = SUPERVISOR_TABS[to]!.id;
    setTab(next);
    tabRefs.current.get(next)?.focus();
  };

  const current = SUPERVISOR_TABS.find((x) => x.id === tab) ?? SUPERVISOR_TABS[0]!;

  return (
    <div className="app supervisor-app" data-testid="supervisor-app">
      <header className="topbar">
        <h1 className="app-title" data-testid="app-title" data-role={login.user.role}>
          {title}
        </h1>
        <div className="topbar-right">
          <span className="agent-name" data-testid="agent-name">
            {t('supervisor.userLabel', { name: login.user.name })}
          </span>
          <LanguageSwitch />
          <button type="button" className="btn btn-topbar" data-testid="logout-button" onClick={onLogout}>
            {t('agent.logout')}
          </button>
        </div>
      </header>
      <nav className="sup-tabs" role="tablist" aria-label={t('supervisor.tabsLabel')} onKeyDown={onTabKey}>
        {SUPERVISOR_TABS.map((x) => (
          <button
            key={x.id}
            ref={(el) => {
              if (el) tabRefs.current.set(x.id, el);
              else tabRefs.current.delete(x.id);
            }}
            type="button"
            role="tab"
            id={`sup-tab-${x.id}`}
            aria-controls={`sup-panel-${x.id}`}
            aria-selected={x.id === tab}
            tabIndex={x.id === tab ? 0 : -1}
            className={x.id === tab ? 'sup-tab active' : 'sup-tab'}
            data-testid={`supervisor-tab-${x.id}`}
            onClick={() => setTab(x.id)}
          >
            {t(`supervisor.tabs.${x.id}`)}
          </button>
        ))}
      </nav>
      <div className="sup-body">
        <main className="main sup-main" role="tabpanel" id={`sup-panel-${current.id}`} aria-labelledby={`sup-tab-${current.id}`}>
          {current.render(ctx)}
        </main>
        <MonitorPanel monitor={monitorSession} live={live} selfId={login.user.userId} />
      </div>
    </div>
  );
}

/**
 * The supervisor area of the console (值班长工作台): supervisors sign in at the
 * same page as agents and land here instead of the agent desk. Its functions
 * are tabs — 录像回放 today; a 监控大屏 dashboard is added by putting one more
 * entry in SUPERVISOR_TABS (an id, a text under supervisor.tabs, a render).
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CasesApi } from '@xiaowu/shared/client';
import { LanguageSwitch } from '@xiaowu/shared/i18n';
import type { AgentLogin } from './auth';
import { RecordingsTab } from './Recordings';
import { RecordingsApi } from './recordings-api';
import './supervisor.css';

/** What every tab gets: the signed-in supervisor and the APIs with its token. */
export interface SupervisorContext {
  login: AgentLogin;
  recordings: RecordingsApi;
  cases: CasesApi;
}

interface SupervisorTab {
  id: 'recordings';
  render(ctx: SupervisorContext): ReactNode;
}

/** The tabs, in order (the first is shown after sign-in). */
const SUPERVISOR_TABS: readonly SupervisorTab[] = [{ id: 'recordings', render: (ctx) => <RecordingsTab api={ctx.recordings} cases={ctx.cases} /> }];

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

  const ctx = useMemo<SupervisorContext>(
    () => ({
      login,
      recordings: new RecordingsApi(
        () => login.token,
        () => unauthorized.current(),
      ),
      cases: new CasesApi(() => login.token),
    }),
    [login],
  );

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
      <main className="main sup-main" role="tabpanel" id={`sup-panel-${current.id}`} aria-labelledby={`sup-tab-${current.id}`}>
        {current.render(ctx)}
      </main>
    </div>
  );
}

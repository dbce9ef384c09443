import { StrictMode, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from '@xiaowu/shared/i18n';
import { App } from './App';
import { AgentAuth } from './auth';
import { LoginPage } from './LoginPage';
import { SupervisorApp } from './SupervisorApp';
import './styles.css';

initI18n();

// Signed in from sessionStorage if this tab already has a valid token; one connection per sign-in.
const auth = new AgentAuth();

function Root() {
  const state = useSyncExternalStore(auth.subscribe, auth.getState);
  if (state.kind === 'signed-out') return <LoginPage auth={auth} message={state.message} />;
  if (state.kind === 'supervisor')
    return <SupervisorApp key={state.login.token} login={state.login} onLogout={() => auth.logout('agent.login.loggedOut')} onUnauthorized={() => auth.logout('agent.login.expired')} />;
  return <App key={state.login.token} desk={state.desk} onLogout={() => auth.logout('agent.login.loggedOut')} />;
}

const root = document.getElementById('root');
if (!root) throw new Error('#root missing in index.html');
createRoot(root).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);

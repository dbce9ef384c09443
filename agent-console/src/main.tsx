import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SignalingClient } from '@xiaowu/shared/client';
import { initI18n } from '@xiaowu/shared/i18n';
import { App } from './App';
import { AgentDesk } from './agent-desk';
import './styles.css';

const params = new URLSearchParams(location.search);
const agentId = params.get('agent') || 'agent-1';
const agentName = params.get('name') || '坐席一号';

initI18n();

const sig = new SignalingClient('', { role: 'agent', id: agentId, name: agentName });
const desk = new AgentDesk(sig);

const root = document.getElementById('root');
if (!root) throw new Error('#root missing in index.html');
createRoot(root).render(
  <StrictMode>
    <App desk={desk} agentName={agentName} />
  </StrictMode>,
);

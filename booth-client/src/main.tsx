import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SignalingClient } from '@xiaowu/shared/client';
import { initI18n } from '@xiaowu/shared/i18n';
import { App } from './App';
import { BoothCall } from './booth-call';
import './styles.css';

const params = new URLSearchParams(location.search);
const boothId = params.get('booth') || 'booth-demo';
const boothName = params.get('name') || '演示社区晓屋';

const i18n = initI18n();
const configuredLanguage = i18n.language;

// One connection for the life of the page: socket.io reconnects by itself, so a call is one request away.
const sig = new SignalingClient('', { role: 'booth', id: boothId, name: boothName });
const call = new BoothCall(sig, {
  // The next resident starts in the booth's configured language.
  onAutoReturn: () => void i18n.changeLanguage(configuredLanguage),
});

// Kiosk: a long press must not open the browser's context menu.
document.addEventListener('contextmenu', (e) => e.preventDefault());

const root = document.getElementById('root');
if (!root) throw new Error('#root missing in index.html');
createRoot(root).render(
  <StrictMode>
    <App call={call} boothName={boothName} />
  </StrictMode>,
);

import { StrictMode, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from '@xiaowu/shared/i18n';
import { App } from './App';
import { BootScreen } from './BootScreen';
import { BoothBoot } from './booth-boot';
import { DisplayModes } from './display-modes';
import { DisplayModesContext } from './access';
import './styles.css';

const i18n = initI18n();
const configuredLanguage = i18n.language;
const resetLanguage = () => void i18n.changeLanguage(configuredLanguage);
/** 大字 / 高对比 / 长者模式: one resident's choice, reset with the language. */
const modes = new DisplayModes();

// Enrollment (#enroll=…) or the stored device credentials, then one connection for the life of the page.
const boot = new BoothBoot({
  // The next resident starts in the booth's configured language, with the display modes off.
  onAutoReturn: () => {
    resetLanguage();
    modes.reset();
  },
});
boot.start();
// An enrollment link opened on a page that is already showing (e.g. the 「尚未登记」 screen): start over with it.
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#enroll=')) location.reload();
});

// Kiosk: a long press must not open the browser's context menu.
document.addEventListener('contextmenu', (e) => e.preventDefault());

function Root() {
  const state = useSyncExternalStore(boot.subscribe, boot.getState);
  const display = useSyncExternalStore(modes.subscribe, modes.getState);
  if (state.kind !== 'ready') return <BootScreen state={state} boot={boot} />;
  return (
    <DisplayModesContext.Provider value={display}>
      <App call={state.call} health={state.health} boothName={state.boothName} homeLanguage={configuredLanguage} resetLanguage={resetLanguage} modes={modes} />
    </DisplayModesContext.Provider>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('#root missing in index.html');
createRoot(root).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);

/**
 * The booth's display modes, chosen by the resident on any screen: 大字 (large
 * text), 高对比 (high contrast) and 长者模式 (elderly: larger type and targets,
 * fewer items per screen, slower timeouts). They belong to one resident: they
 * are switched off when the booth goes back to idle by itself (like the
 * language), not when the resident taps 「返回首页」.
 *
 * A tiny store outside React (like BoothCall) so main.tsx can reset it from
 * the booth's automatic return and App reads it with useSyncExternalStore.
 */
export interface DisplayModesState {
  largeText: boolean;
  highContrast: boolean;
  elderly: boolean;
}
export type DisplayMode = keyof DisplayModesState;

export const DISPLAY_MODES: readonly DisplayMode[] = ['largeText', 'highContrast', 'elderly'];
export const MODES_OFF: DisplayModesState = Object.freeze({ largeText: false, highContrast: false, elderly: false });

/** 长者模式: the booth's timeouts (way back home, rating wait, idle reset) take this much longer. */
export const ELDERLY_TIMEOUT_SCALE = 2;

/** The classes on the app's root element (styles.css, 「Display modes」). */
export function modeClasses(m: DisplayModesState): string {
  return [m.largeText && 'mode-large-text', m.highContrast && 'mode-high-contrast', m.elderly && 'mode-elderly'].filter(Boolean).join(' ');
}

export function anyModeOn(m: DisplayModesState): boolean {
  return m.largeText || m.highContrast || m.elderly;
}

export class DisplayModes {
  private state: DisplayModesState = MODES_OFF;
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): DisplayModesState => this.state;

  set(mode: DisplayMode, on: boolean): void {
    if (this.state[mode] === on) return;
    this.state = { ...this.state, [mode]: on };
    for (const l of this.listeners) l();
  }

  toggle(mode: DisplayMode): void {
    this.set(mode, !this.state[mode]);
  }

  /** The next resident starts with every mode off. */
  readonly reset = (): void => {
    if (!anyModeOn(this.state)) return;
    this.state = MODES_OFF;
    for (const l of this.listeners) l();
  };
}

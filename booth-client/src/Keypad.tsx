/**
 * A big on-screen number pad (phone numbers, appointment codes): the kiosk
 * has no keyboard, and the system one covers half the screen. Real buttons,
 * so it also works with a keyboard and a screen reader; the field it fills
 * still accepts typed digits.
 */
import { useTranslation } from 'react-i18next';

interface KeypadProps {
  onDigit(d: string): void;
  onBackspace(): void;
  onClear(): void;
  /** All keys off (e.g. while sending). */
  disabled?: boolean;
  /** Digit keys off (the field is full); delete and clear stay on. */
  full?: boolean;
  /** id of the field this pad types into (for its label). */
  controls?: string;
  /**
   * One data-testid for every key of this pad (e.g. 'rate-key'), told apart by
   * data-key ('0'–'9', 'delete', 'clear'); default: keypad-<digit>, keypad-clear, keypad-backspace.
   */
  keyTestId?: string;
}

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

export function Keypad({ onDigit, onBackspace, onClear, disabled = false, full = false, controls, keyTestId }: KeypadProps) {
  const { t } = useTranslation();
  const testId = (fallback: string) => keyTestId ?? `keypad-${fallback}`;
  return (
    <div className="keypad" role="group" aria-label={t('booth.keypad.label')} aria-controls={controls} data-testid="keypad">
      {DIGITS.map((d) => (
        <button key={d} type="button" className="key" data-testid={testId(d)} data-key={d} disabled={disabled || full} onClick={() => onDigit(d)}>
          {d}
        </button>
      ))}
      <button type="button" className="key key-fn" data-testid={testId('clear')} data-key="clear" disabled={disabled} onClick={onClear}>
        {t('booth.keypad.clear')}
      </button>
      <button type="button" className="key" data-testid={testId('0')} data-key="0" disabled={disabled || full} onClick={() => onDigit('0')}>
        0
      </button>
      <button
        type="button"
        className="key key-fn"
        data-testid={testId('backspace')}
        data-key="delete"
        aria-label={t('booth.keypad.backspaceLabel')}
        disabled={disabled}
        onClick={onBackspace}
      >
        <svg className="key-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M8 5h12a1.5 1.5 0 0 1 1.5 1.5v11A1.5 1.5 0 0 1 20 19H8l-6-7z" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
          <path d="M11 9l6 6M17 9l-6 6" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        </svg>
        <span className="key-fn-text" aria-hidden="true">
          {t('booth.keypad.backspace')}
        </span>
      </button>
    </div>
  );
}

/** Keeps the digits of typed or pasted text, at most `max`. */
export function digitsOnly(text: string, max: number): string {
  return text.replace(/\D/g, '').slice(0, max);
}

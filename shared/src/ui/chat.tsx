/** In-call text chat (文字交流) of the booth and the console: the lines of the session, an input, a send button. */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '../protocol';

export interface ChatPanelProps {
  messages: ChatMessage[];
  /** The user id of this side (its own lines read 「我」). */
  selfId: string;
  /** Resolves false when the line could not be sent (the text is kept). */
  onSend(text: string): Promise<boolean>;
  /** Ready-made lines sent with one click (console). */
  quickPhrases?: Array<{ key: string; text: string }>;
  quickPhrasesTitle?: string;
  /**
   * The booth only: big ready-made replies for residents who cannot speak
   * (sent at once), and a 「手写/拼音输入」 button that focuses the text field.
   */
  residentReplies?: {
    replies: Array<{ key: string; text: string }>;
    title: string;
    imeLabel: string;
  };
  /** A hint under the input (booth: how to type). */
  hint?: string;
  className?: string;
  disabled?: boolean;
  /** 'whisper': the staff-only 耳语 panel (own title and test ids: whisper-panel, whisper-message, whisper-input, …). */
  variant?: 'chat' | 'whisper';
}

const MAX_LEN = 1000;

function timeOf(at: number, language: string): string {
  return new Date(at).toLocaleTimeString(language === 'en' ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });
}

export function ChatPanel({ messages, selfId, onSend, quickPhrases, quickPhrasesTitle, residentReplies, hint, className, disabled = false, variant = 'chat' }: ChatPanelProps) {
  const tid = (id: string) => (variant === 'whisper' ? id.replace(/^chat-/, 'whisper-') : id);
  const { t, i18n } = useTranslation();
  const ids = useId();
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [failed, setFailed] = useState(false);

  // Newest line in view.
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  const send = async (line: string, fromInput: boolean) => {
    const trimmed = line.trim().slice(0, MAX_LEN);
    if (!trimmed || sending || disabled) return;
    setSending(true);
    setFailed(false);
    const ok = await onSend(trimmed).catch(() => false);
    setSending(false);
    setFailed(!ok);
    if (ok && fromInput) setText('');
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(text, true);
  };

  return (
    <section className={`chat-panel ${className ?? ''}`} data-testid={tid('chat-panel')} aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="chat-title">
        {variant === 'whisper' ? t('chat.whisperTitle') : t('chat.title')}
      </h2>
      <ol ref={listRef} className="chat-list" aria-live="polite" data-testid={tid('chat-list')}>
        {messages.length === 0 && <li className="chat-empty">{variant === 'whisper' ? t('chat.whisperEmpty') : t('chat.empty')}</li>}
        {messages.map((m, i) => {
          const mine = m.from === selfId;
          const role = t(`chat.roles.${m.role}`);
          // Names like 「赵老师（手语翻译）」 already say the role.
          const who = mine ? t('chat.you') : m.fromName.includes(role) ? m.fromName : `${m.fromName}（${role}）`;
          return (
            <li key={`${m.at}-${m.from}-${i}`} className={mine ? 'chat-line mine' : `chat-line role-${m.role}`} data-testid={tid('chat-message')} data-role={m.role}>
              <span className="chat-meta">
                <span className="chat-who">{who}</span> <time dateTime={new Date(m.at).toISOString()}>{timeOf(m.at, i18n.language)}</time>
              </span>
              <span className="chat-text">{m.text}</span>
            </li>
          );
        })}
      </ol>
      {quickPhrases && quickPhrases.length > 0 && (
        <div className="chat-quick" role="group" aria-label={quickPhrasesTitle}>
          {quickPhrases.map((q) => (
            <button
              key={q.key}
              type="button"
              className="btn btn-secondary chat-quick-btn"
              data-testid="quick-phrase"
              data-phrase={q.key}
              disabled={disabled || sending}
              onClick={() => void send(q.text, false)}
            >
              {q.text}
            </button>
          ))}
        </div>
      )}
      {residentReplies && residentReplies.replies.length > 0 && (
        <div className="chat-quick resident-quick" role="group" aria-label={residentReplies.title}>
          {residentReplies.replies.map((q) => (
            <button
              key={q.key}
              type="button"
              className="btn btn-secondary btn-large resident-quick-btn"
              data-testid="resident-quick-reply"
              data-phrase={q.key}
              disabled={disabled || sending}
              onClick={() => void send(q.text, false)}
            >
              {q.text}
            </button>
          ))}
        </div>
      )}
      <form className="chat-form" onSubmit={submit}>
        <label htmlFor={`${ids}-input`} className="visually-hidden">
          {t('chat.inputLabel')}
        </label>
        <input
          id={`${ids}-input`}
          ref={inputRef}
          className="chat-input field"
          data-testid={tid('chat-input')}
          type="text"
          inputMode="text"
          enterKeyHint="send"
          autoComplete="off"
          maxLength={MAX_LEN}
          placeholder={t('chat.placeholder')}
          value={text}
          disabled={disabled}
          aria-describedby={hint ? `${ids}-hint` : undefined}
          onChange={(e) => setText(e.target.value)}
        />
        {residentReplies && (
          // Chinese input is left to the kiosk OS / browser IME: focusing the field brings up its handwriting or pinyin keyboard.
          <button
            type="button"
            className="btn btn-secondary chat-ime"
            data-testid={tid('chat-ime')}
            disabled={disabled}
            onClick={() => inputRef.current?.focus()}
          >
            {residentReplies.imeLabel}
          </button>
        )}
        <button type="submit" className="btn btn-primary chat-send" data-testid={tid('chat-send')} disabled={disabled || sending || !text.trim()} aria-busy={sending || undefined}>
          {t('chat.send')}
        </button>
      </form>
      {hint && (
        <p id={`${ids}-hint`} className="chat-hint">
          {hint}
        </p>
      )}
      {failed && (
        <p className="chat-error" role="alert" data-testid={tid('chat-error')}>
          {t('chat.sendFailed')}
        </p>
      )}
    </section>
  );
}

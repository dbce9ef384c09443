/** React pieces both apps use: a MediaStream <video>, a ticking clock, a confirmation dialog. */
import { useEffect, useId, useRef, useState, type ReactNode, type VideoHTMLAttributes } from 'react';

type VideoProps = { stream: MediaStream | null; muted?: boolean } & Omit<VideoHTMLAttributes<HTMLVideoElement>, 'muted'>;

/** A <video> showing a MediaStream (autoplay, inline; muted only when asked, e.g. for the self-view). */
export function VideoView({ stream, muted = false, ...rest }: VideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.muted = muted;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (stream) el.play().catch(() => undefined); // a call always starts with a touch or a click, so autoplay with sound is allowed
  }, [stream, muted]);
  return <video ref={ref} autoPlay playsInline muted={muted} {...rest} />;
}

/** The current time, updated every second while `active`. */
export function useNow(active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}

interface ConfirmProps {
  title: string;
  children?: ReactNode;
  /** Kiosk sizing (big touch targets) with the safe choice as the primary button. */
  large?: boolean;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm(): void;
  onCancel(): void;
}

/** Modal confirmation on a native <dialog>: focus trap, Esc cancels, focus starts on the safe choice. */
export function ConfirmDialog({ title, children, confirmLabel, cancelLabel, onConfirm, onCancel, large = false }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      if (opener?.isConnected) opener.focus(); // back to the button that opened it
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={titleId}
      aria-describedby={children ? bodyId : undefined}
      data-testid="hangup-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children && <p id={bodyId}>{children}</p>}
      <div className="confirm-actions">
        <button type="button" className={large ? 'btn btn-primary btn-large' : 'btn btn-secondary'} autoFocus onClick={onCancel} data-testid="hangup-cancel">
          {cancelLabel}
        </button>
        <button type="button" className={large ? 'btn btn-danger btn-large' : 'btn btn-danger'} onClick={onConfirm} data-testid="hangup-confirm">
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
export { ChatPanel, type ChatPanelProps } from './chat';
export { CaptionsToggle, CaptionsView, useCaptions, type Captions } from './captions';

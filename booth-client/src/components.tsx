import { useEffect, useId, useRef, useState, type VideoHTMLAttributes } from 'react';

type VideoProps = { stream: MediaStream | null; muted?: boolean } & Omit<VideoHTMLAttributes<HTMLVideoElement>, 'muted'>;

/** A <video> showing a MediaStream (autoplay, inline; muted only when asked, e.g. for the self-view). */
export function VideoView({ stream, muted = false, ...rest }: VideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.muted = muted;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (stream) el.play().catch(() => undefined); // autoplay may need the user's touch, which a call always had
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
  confirmLabel: string;
  cancelLabel: string;
  onConfirm(): void;
  onCancel(): void;
}

/** Modal confirmation (native <dialog>: focus trap and Esc for free). The safe choice has focus. */
export function ConfirmDialog({ title, confirmLabel, cancelLabel, onConfirm, onCancel }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={titleId}
      data-testid="hangup-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div className="confirm-actions">
        <button type="button" className="btn btn-primary btn-large" autoFocus onClick={onCancel} data-testid="hangup-cancel">
          {cancelLabel}
        </button>
        <button type="button" className="btn btn-danger btn-large" onClick={onConfirm} data-testid="hangup-confirm">
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

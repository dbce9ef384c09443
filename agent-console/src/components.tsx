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
    if (stream) el.play().catch(() => undefined); // the agent clicked 接听, so autoplay with sound is allowed
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
  confirmLabel: string;
  cancelLabel: string;
  onConfirm(): void;
  onCancel(): void;
}

/** Modal confirmation on a native <dialog>: focus trap, Esc cancels, focus starts on the safe choice. */
export function ConfirmDialog({ title, children, confirmLabel, cancelLabel, onConfirm, onCancel }: ConfirmProps) {
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
        <button type="button" className="btn btn-secondary" autoFocus onClick={onCancel} data-testid="hangup-cancel">
          {cancelLabel}
        </button>
        <button type="button" className="btn btn-danger" onClick={onConfirm} data-testid="hangup-confirm">
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/**
 * The caption service's view of a live session: its microphones (followed
 * through mediasoup's observer events, so the call service needs no hook),
 * and a way to tell every party. Captions stop when the session's router closes.
 */
import type { CaptionSegment, CaptionState } from '@xiaowu/shared';
import type { types } from 'mediasoup';
import type { PartyNotifier, Session } from '../media/session';
import type { CaptionService, CaptionSessionView } from './caption-service';

const views = new WeakMap<Session, CaptionSessionView>();

export function captionView(session: Session, notifier: PartyNotifier, captions: CaptionService): CaptionSessionView {
  const known = views.get(session);
  if (known) return known;
  const view: CaptionSessionView = {
    id: session.id,
    router: session.router,
    mics: () =>
      [...session.parties.values()].flatMap((p) =>
        [...p.producers.values()].filter((x) => x.source === 'mic' && !x.producer.closed).map((x) => ({ producerId: x.producer.id, speaker: p.info })),
      ),
    notifyAll: (event, payload) => {
      for (const p of session.parties.values()) {
        if (event === 'caption:segment') notifier.notify(p, event, payload as CaptionSegment);
        else notifier.notify(p, event, payload as CaptionState);
      }
    },
  };
  views.set(session, view);
  // Microphones that appear or go while captions are on; the party's bookkeeping is set right after produce() resolves.
  const resync = () => setImmediate(() => void captions.sync(view).catch(() => undefined));
  const watch = (t: types.Transport) =>
    t.observer.on('newproducer', (producer: types.Producer) => {
      resync();
      producer.observer.once('close', resync);
    });
  for (const p of session.parties.values()) for (const { transport } of p.transports.values()) watch(transport);
  session.router.observer.on('newtransport', watch);
  session.router.observer.once('close', () => void captions.stopSession(session.id));
  return view;
}

/**
 * Counts of live mediasoup objects, kept from mediasoup's own observer events
 * (not from our bookkeeping), so a leak in our session code shows up here.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';

export interface MediaCounts {
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

export class MediaCensus {
  readonly counts: MediaCounts = { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 };

  constructor() {
    mediasoup.observer.on('newworker', (w: types.Worker) => this.track('workers', w.observer, () => {
      w.observer.on('newrouter', (r: types.Router) => this.track('routers', r.observer, () => {
        r.observer.on('newtransport', (t: types.Transport) => this.track('transports', t.observer, () => {
          t.observer.on('newproducer', (p: types.Producer) => this.track('producers', p.observer));
          t.observer.on('newconsumer', (c: types.Consumer) => this.track('consumers', c.observer));
        }));
      }));
    }));
  }

  private track(key: keyof MediaCounts, observer: { once(e: 'close', l: () => void): unknown }, children?: () => void): void {
    this.counts[key]++;
    observer.once('close', () => this.counts[key]--);
    children?.();
  }
}

/**
 * A call session: one mediasoup router holding its parties (booth, agent,
 * later interpreter, supervisor, recorder), each with its own transports,
 * producers and consumers. Every lookup is scoped to the calling party, so a
 * party can never touch another party's transport or another session's media.
 */
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import {
  AppError,
  ErrorCode,
  type CallEndReason,
  type ConsumerInfo,
  type PartyInfo,
  type ProducerInfo,
  type ServerToClientEvents,
  type TrackSource,
  type TransportInfo,
} from '@xiaowu/shared';

/** How a session reaches its parties; the signaling layer implements it. */
export interface PartyNotifier {
  notify<E extends keyof ServerToClientEvents>(party: Party, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
}

export class Party {
  readonly transports = new Map<string, { transport: types.WebRtcTransport; direction: 'send' | 'recv' }>();
  readonly producers = new Map<string, { producer: types.Producer; source: TrackSource }>();
  readonly consumers = new Map<string, types.Consumer>();
  /** Producers already announced to this party (each is announced once). */
  readonly announced = new Set<string>();

  constructor(
    readonly info: PartyInfo,
    /** Connection address the notifier uses (a socket id). */
    public address: string,
  ) {}

  get id(): string {
    return this.info.partyId;
  }

  closeMedia(): void {
    // Closing a transport closes its producers and consumers in mediasoup.
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}

/** A booth is not told of a silent supervisor (the recording notice covers the resident); staff see everyone. */
function sees(viewer: Party, party: Party): boolean {
  return !(party.info.silent && viewer.info.role === 'booth');
}

export class Session {
  readonly parties = new Map<string, Party>();
  readonly startedAt: number;
  /** Interpreters who were present at some point (for the case and the rating). */
  readonly interpreterIds = new Set<string>();
  private closed = false;
  /** Called once when the session closes, whatever the cause. */
  onClose: (reason: CallEndReason) => void = () => undefined;
  /** Every producer that appears / goes (the recorder follows them). */
  onProducerAdded: (party: PartyInfo, producer: types.Producer, source: TrackSource) => void = () => undefined;
  onProducerClosed: (producerId: string) => void = () => undefined;
  /** Parties coming and going (the recording index keeps who was present when). */
  onPartyJoined: (party: PartyInfo) => void = () => undefined;
  onPartyLeft: (party: PartyInfo) => void = () => undefined;

  /**
   * The router closed under a live session (its mediasoup worker died). The
   * default ends the call; the call service re-creates the media instead
   * (rebind onto a new router, parties told with 'media:reset').
   */
  onRouterLost: () => void = () => this.close('media-failure');
  /** Media re-creations after worker deaths (0 = the first router). */
  mediaEpoch = 0;

  constructor(
    readonly id: string,
    /** The call (ticket) the session serves now; a transfer moves it to the new ticket. */
    public callId: string,
    public router: types.Router,
    private webRtcServer: types.WebRtcServer,
    private readonly notifier: PartyNotifier,
    /** A session taken over from another node keeps its start and continues its media epochs. */
    resumed?: { startedAt: number; mediaEpoch: number },
  ) {
    this.startedAt = resumed?.startedAt ?? Date.now();
    this.mediaEpoch = resumed?.mediaEpoch ?? 0;
    this.watchRouter(router);
  }

  private watchRouter(router: types.Router): void {
    router.observer.once('close', () => {
      if (!this.closed && router === this.router) this.onRouterLost();
    });
  }

  /**
   * Moves the session onto a new router after its worker died: every party's
   * transports, producers and consumers are gone with the old one (the parties
   * open new ones); who is in the call, the chat and the call record stay.
   */
  rebind(router: types.Router, webRtcServer: types.WebRtcServer, epoch = this.mediaEpoch + 1): void {
    if (this.closed) {
      router.close();
      return;
    }
    this.router = router;
    this.webRtcServer = webRtcServer;
    this.mediaEpoch = epoch;
    for (const party of this.parties.values()) {
      party.closeMedia();
      party.announced.clear();
    }
    this.watchRouter(router);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  addParty(info: Omit<PartyInfo, 'partyId'>, address: string): Party {
    const party = new Party({ ...info, partyId: randomUUID() }, address);
    for (const other of this.parties.values()) if (sees(other, party)) this.notifier.notify(other, 'session:partyJoined', party.info);
    this.parties.set(party.id, party);
    this.onPartyJoined(party.info);
    return party;
  }

  /** A party of a session taken over from another node: same id, nobody told (they are told 'media:reset'). */
  restoreParty(info: PartyInfo, address: string): Party {
    const party = new Party(info, address);
    this.parties.set(party.id, party);
    return party;
  }

  removeParty(partyId: string): void {
    const party = this.parties.get(partyId);
    if (!party) return;
    this.parties.delete(partyId);
    party.closeMedia();
    for (const other of this.parties.values()) if (sees(other, party)) this.notifier.notify(other, 'session:partyLeft', party.info);
    this.onPartyLeft(party.info);
  }

  /** The parties as `viewer` may see them (a booth never sees a silent supervisor); all without a viewer. */
  partyInfos(viewer?: Party): PartyInfo[] {
    return [...this.parties.values()].filter((p) => !viewer || sees(viewer, p)).map((p) => p.info);
  }

  async createTransport(party: Party, direction: 'send' | 'recv'): Promise<TransportInfo> {
    if (direction === 'send' && party.info.silent) throw new AppError(ErrorCode.Forbidden, 'a silent monitor only receives');
    const transport = await this.router.createWebRtcTransport({
      webRtcServer: this.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { partyId: party.id, direction },
    });
    party.transports.set(transport.id, { transport, direction });
    transport.observer.once('close', () => party.transports.delete(transport.id));
    if (direction === 'recv') {
      // Announce what is already being sent, now that the party can receive it.
      queueMicrotask(() => {
        for (const p of this.producersVisibleTo(party)) this.announce(party, p);
      });
    }
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(party: Party, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    const { transport } = this.ownTransport(party, transportId);
    await mediaCall(() => transport.connect({ dtlsParameters }));
  }

  async produce(
    party: Party,
    transportId: string,
    kind: 'audio' | 'video',
    rtpParameters: types.RtpParameters,
    source: TrackSource,
  ): Promise<string> {
    const { transport, direction } = this.ownTransport(party, transportId);
    if (direction !== 'send') throw new AppError(ErrorCode.BadRequest, 'produce needs a send transport');
    if ((source === 'mic') !== (kind === 'audio')) throw new AppError(ErrorCode.BadRequest, `source ${source} is not ${kind}`);
    for (const p of party.producers.values()) {
      if (p.source === source) throw new AppError(ErrorCode.BadRequest, `already producing ${source}`);
    }
    const producer = await mediaCall(() => transport.produce({ kind, rtpParameters, appData: { source }, ...(kind === 'video' ? { keyFrameRequestDelay: KEYFRAME_REQUEST_DELAY_MS } : {}) }));
    party.producers.set(producer.id, { producer, source });
    producer.observer.once('close', () => {
      party.producers.delete(producer.id);
      this.onProducerClosed(producer.id);
      if (!this.closed) {
        for (const other of this.parties.values())
          if (other !== party) this.notifier.notify(other, 'media:producerClosed', { producerId: producer.id });
      }
    });
    this.onProducerAdded(party.info, producer, source);
    const info = this.producerInfo(party, producer.id, source, kind);
    for (const other of this.parties.values()) {
      if (other !== party && this.hasRecvTransport(other)) this.announce(other, info);
    }
    return producer.id;
  }

  async consume(
    party: Party,
    transportId: string,
    producerId: string,
    rtpCapabilities: types.RtpCapabilities,
  ): Promise<ConsumerInfo> {
    const { transport, direction } = this.ownTransport(party, transportId);
    if (direction !== 'recv') throw new AppError(ErrorCode.BadRequest, 'consume needs a recv transport');
    const owner = this.ownerOf(producerId);
    if (!owner || owner === party) throw new AppError(ErrorCode.NotFound, `no producer ${producerId} in this session`);
    if (!this.router.canConsume({ producerId, rtpCapabilities })) {
      throw new AppError(ErrorCode.MediaRejected, 'your device cannot decode this stream');
    }
    const consumer = await mediaCall(() => transport.consume({ producerId, rtpCapabilities, paused: true }));
    // Sign language is carried by motion: when bandwidth is short, the interpreter's and the
    // resident's cameras get it before the agent's (mediasoup shares it by consumer priority).
    if (consumer.kind === 'video') {
      const signing = owner.info.role === 'interpreter' || (owner.info.role === 'booth' && this.interpreterIds.size > 0);
      // Not awaited: the worker handles a consumer's requests in order, so both apply before the
      // client's resume; the consume ack need not wait for them.
      void consumer.setPriority(signing ? 255 : 64).catch(() => undefined);
      if (consumer.type === 'simulcast') startOnLowestLayer(consumer);
      if (signing && consumer.type === 'simulcast') keepFrameRate(consumer);
    }
    party.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => party.consumers.delete(consumer.id));
    consumer.on('producerclose', () => {
      consumer.close();
      this.notifier.notify(party, 'media:consumerClosed', { consumerId: consumer.id, producerId });
    });
    return {
      consumerId: consumer.id,
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as ConsumerInfo['rtpParameters'],
    };
  }

  async resumeConsumer(party: Party, consumerId: string): Promise<void> {
    const consumer = party.consumers.get(consumerId);
    if (!consumer) throw new AppError(ErrorCode.NotFound, `no consumer ${consumerId}`);
    await consumer.resume();
    // The receiver can decode nothing before a keyframe: ask for one now rather than wait (mediasoup
    // asks too when the resumed consumer picks its layer; a duplicate is merged). Not awaited: the
    // client's ack need not wait for it.
    if (consumer.kind === 'video') void consumer.requestKeyFrame().catch(() => undefined);
  }

  closeProducer(party: Party, producerId: string): void {
    const p = party.producers.get(producerId);
    if (!p) throw new AppError(ErrorCode.NotFound, `no producer ${producerId}`);
    p.producer.close();
  }

  /** Ends the session for everyone: closes all media, the router, and tells the parties. */
  close(reason: CallEndReason): void {
    if (this.closed) return;
    this.closed = true;
    for (const party of this.parties.values()) {
      party.closeMedia();
      this.notifier.notify(party, 'call:ended', { sessionId: this.id, reason });
    }
    this.router.close();
    this.onClose(reason);
  }

  /**
   * This node lost the session to another (it was taken over while this node
   * was thought dead): its media here goes, silently — the parties are in the
   * call on the other node, and the call record is the other node's.
   */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    for (const party of this.parties.values()) party.closeMedia();
    this.router.close();
  }

  /** Producer ids per party, for supervision and tests. */
  describe(): { sessionId: string; callId: string; parties: Array<PartyInfo & { producers: string[] }> } {
    return {
      sessionId: this.id,
      callId: this.callId,
      parties: [...this.parties.values()].map((p) => ({ ...p.info, producers: [...p.producers.keys()] })),
    };
  }

  private announce(party: Party, producer: ProducerInfo): void {
    if (party.announced.has(producer.producerId)) return;
    party.announced.add(producer.producerId);
    this.notifier.notify(party, 'media:newProducer', producer);
  }

  private ownTransport(party: Party, transportId: string) {
    const t = party.transports.get(transportId);
    if (!t) throw new AppError(ErrorCode.NotFound, `no transport ${transportId}`);
    return t;
  }

  private ownerOf(producerId: string): Party | undefined {
    for (const p of this.parties.values()) if (p.producers.has(producerId)) return p;
    return undefined;
  }

  private hasRecvTransport(party: Party): boolean {
    for (const t of party.transports.values()) if (t.direction === 'recv') return true;
    return false;
  }

  private producersVisibleTo(party: Party): ProducerInfo[] {
    const out: ProducerInfo[] = [];
    for (const other of this.parties.values()) {
      if (other === party) continue;
      for (const [id, p] of other.producers) out.push(this.producerInfo(other, id, p.source, p.producer.kind));
    }
    return out;
  }

  private producerInfo(owner: Party, producerId: string, source: TrackSource, kind: 'audio' | 'video'): ProducerInfo {
    return { producerId, partyId: owner.id, role: owner.info.role, source, kind };
  }
}

/** Runs a mediasoup call; its parameter refusals (TypeError etc.) become MEDIA_REJECTED. */
async function mediaCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(ErrorCode.MediaRejected, (err as Error).message);
  }
}

/** A resumed consumer still without a frame after this long may take any layer (see startOnLowestLayer). */
const FIRST_LAYER_WAIT_MS = 500;
/**
 * A keyframe request that comes within this long of the previous one is sent
 * when this time is up, not at once. libwebrtc's sender ignores a request
 * within 300 ms of its last keyframe, and mediasoup then waits 1 s before
 * asking again: a viewer resumed just after a keyframe (asked for by the
 * recorder or the other side) got its first frame ~1.1 s after the answer in
 * 3–51 % of the calls (bench/call-start-bots.ts). Delayed past that window,
 * the request is answered.
 */
const KEYFRAME_REQUEST_DELAY_MS = 350;

/**
 * A simulcast consumer starts on the lowest spatial layer, and may climb as
 * soon as its first frame is out. Without this, mediasoup starts a fresh
 * consumer on the top layer whenever its bandwidth estimate (1 Mbps at first)
 * covers it, and the first frame waits for a keyframe of that layer. Measured
 * with bench/call-start.ts (2 cores, real Chromium, recording on): the top
 * layer's keyframe often came 0.8–1.5 s after the request — the request
 * collided with the recorder's (which asks the top layer every 500 ms until
 * its file has data) and Chromium drops keyframe requests that follow an
 * earlier one by less than ~300 ms, after which mediasoup asks again only 1 s
 * later — while the low layer's came 30–100 ms after it was asked for.
 *
 * Should the low layer's request be the one dropped (no frame 500 ms after
 * the resume), the cap is lifted early: the consumer then asks for the layer
 * its bandwidth allows, a fresh request rather than waiting out mediasoup's
 * 1-s retry. Either way the consumer climbs through mediasoup's allocation as
 * usual afterwards; a switch up waits for the top layer's keyframe while the
 * low layer keeps playing.
 */
function startOnLowestLayer(consumer: types.Consumer): void {
  const m = /L(\d+)T(\d+)/.exec(consumer.rtpParameters.encodings?.[0]?.scalabilityMode ?? '');
  const maxSpatial = m ? Number(m[1]) - 1 : 0;
  const maxTemporal = m ? Number(m[2]) - 1 : 0;
  if (maxSpatial === 0) return;
  let lifted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = () => {
    lifted = true;
    clearTimeout(timer);
    consumer.off('layerschange', onLayers);
    consumer.observer.off('resume', onResume);
  };
  const lift = () => {
    if (lifted) return;
    done();
    if (!consumer.closed) void consumer.setPreferredLayers({ spatialLayer: maxSpatial, temporalLayer: maxTemporal }).catch(() => undefined);
  };
  const onLayers = (layers?: types.ConsumerLayers) => {
    if (layers) lift();
  };
  const onResume = () => {
    clearTimeout(timer);
    timer = setTimeout(lift, FIRST_LAYER_WAIT_MS);
  };
  consumer.on('layerschange', onLayers);
  consumer.observer.on('resume', onResume);
  consumer.observer.once('close', done);
  void consumer.setPreferredLayers({ spatialLayer: 0, temporalLayer: maxTemporal }).catch(() => undefined);
}

/**
 * mediasoup, short of bandwidth, keeps the higher spatial layer and drops
 * temporal layers (frame rate). For sign language frame rate matters more than
 * resolution: whenever frames are dropped, step down a spatial layer at full
 * frame rate instead; every 10 s try the top layer again.
 */
function keepFrameRate(consumer: types.Consumer): void {
  const m = /L(\d+)T(\d+)/.exec(consumer.rtpParameters.encodings?.[0]?.scalabilityMode ?? '');
  const maxSpatial = m ? Number(m[1]) - 1 : 0;
  const maxTemporal = m ? Number(m[2]) - 1 : 0;
  if (maxTemporal === 0) return;
  // Fewer frames at a higher spatial layer → one spatial layer down with every frame (frame rate before
  // resolution). Known cost: an upward switch also starts at temporal layer 0, so with ample bandwidth the
  // stream can sit one layer lower than it could until the next retry (every 10 s) — measured as the safer
  // side: an upward-switch grace (0.7 s) let the interpreter fall to 17.5–19 fps under a 600 kbps line.
  consumer.on('layerschange', (layers) => {
    if (layers && layers.spatialLayer > 0 && (layers.temporalLayer ?? maxTemporal) < maxTemporal) {
      void consumer.setPreferredLayers({ spatialLayer: layers.spatialLayer - 1, temporalLayer: maxTemporal }).catch(() => undefined);
    }
  });
  const retry = setInterval(() => void consumer.setPreferredLayers({ spatialLayer: maxSpatial, temporalLayer: maxTemporal }).catch(() => undefined), 10_000);
  consumer.observer.once('close', () => clearInterval(retry));
}

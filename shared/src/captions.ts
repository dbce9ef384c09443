/**
 * Live captions (实时字幕), one caption track per speaker: each party's
 * microphone is a track; a speech-recognition engine turns it into segments
 * (interim ones replaced by the final one with the same `seq`). The system
 * ships no recognizer: with none configured, captions are unavailable and
 * the apps say so — they are never faked.
 */
import type { PartyRole } from './roles';

export interface CaptionSegment {
  sessionId: string;
  /** Who spoke: the party whose microphone this track is. */
  speaker: { partyId: string; role: PartyRole; name: string };
  /** The microphone producer (the caption track). */
  trackId: string;
  /** Per track; an interim segment is replaced by later ones with the same seq until `final`. */
  seq: number;
  text: string;
  final: boolean;
  /** Epoch ms of the start and end of the speech in this segment. */
  startedAt: number;
  endedAt: number;
  /** BCP 47, e.g. 'zh-CN'. */
  lang: string;
}

/** Captions of a session: off, on (tracks being recognized), or unavailable (no engine configured). */
export interface CaptionState {
  sessionId: string;
  state: 'off' | 'on' | 'unavailable';
  /** The engine's name when on (shown to the residents: who hears them). */
  engine?: string;
  tracks: number;
}

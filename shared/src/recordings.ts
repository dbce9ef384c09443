/**
 * A recorded session as the supervisors' review sees it (GET /api/recordings):
 * the booth, the matter, every party with when they joined and left, the
 * cases opened in the call, and the playable files once the call is muxed.
 */
import type { PartyRole } from './roles';

export interface RecordingParty {
  role: PartyRole;
  userId: string;
  name: string;
  joinedAt: number;
  leftAt?: number;
}

export interface PlaybackTrack {
  /** `${role}-${userId}-${source}` (characters outside [A-Za-z0-9_.-] replaced by '_'). */
  name: string;
  kind: 'audio' | 'video' | 'unknown';
  /** Relative to the session's folder, e.g. 'playback/booth-booth-7-camera.webm'. */
  file: string;
  /** Where the track starts on the session clock. */
  offsetMs: number;
}

export interface RecordingMeta {
  sessionId: string;
  callId: string;
  startedAt: number;
  endedAt?: number;
  boothId: string;
  boothName: string;
  matterId: string;
  matterName: string;
  parties: RecordingParty[];
  caseNos: string[];
  /** After the post-call mux. startedAt: the files' clock zero (epoch ms: first packet of the earliest track; older entries may lack it). */
  playback?: { file: string; durationSec: number; startedAt?: number; tracks: PlaybackTrack[] };
}

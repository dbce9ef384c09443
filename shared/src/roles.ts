/** Who a connection is; fixed at connect time for the life of the socket. */
export const Roles = ['booth', 'agent', 'interpreter', 'supervisor'] as const;
export type Role = (typeof Roles)[number];

/** Parties of a session also include the server's own recorder. */
export type PartyRole = Role | 'recorder';

/**
 * What a track carries. A booth publishes `camera`, `mic` and, with a document
 * camera (高拍仪), `document`: a separate high-resolution, low-frame-rate track.
 */
export const TrackSources = ['camera', 'mic', 'document'] as const;
export type TrackSource = (typeof TrackSources)[number];

export function kindOfSource(source: TrackSource): 'audio' | 'video' {
  return source === 'mic' ? 'audio' : 'video';
}

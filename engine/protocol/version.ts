/**
 * The protocol version both ends check in the handshake. Its own module (re-exported by
 * messages.ts) so that engine code needing only the number does not load the schemas and zod.
 *
 * Neutral file: imports nothing of node, electron or the DOM (checked by tools/check-boundaries).
 */
export const PROTOCOL_VERSION = 2;

/**
 * Server frames encoded once, ahead of sending: final, unmasked websocket text frames (RFC 6455
 * §5.2) back to back in one buffer, with the texts they carry. A producer that writes these does
 * no per-frame work at send time, so a benchmark measures the client, not the emulator.
 *
 * @example
 * const batch = prepareFrames(texts); // before the clock starts
 * emulator.injectFrames(batch, { username: 'bench' });
 */
export interface PreparedFrames {
  /** The frames' texts, in order (what a held or recording socket sends or records instead). */
  readonly texts: readonly string[];
  /** The frames as they go on the wire. */
  readonly wire: Buffer;
}

/**
 * Encodes text frames for {@link Emulator.injectFrames}: one allocation for the whole batch, each
 * frame's header (7-bit, 16-bit or 64-bit length) followed by its UTF-8 payload.
 *
 * @example
 * const batch = prepareFrames(['{"kind":"notification","type":".x","body":{}}']);
 * batch.wire[0]; // 0x81: FIN + text
 */
export function prepareFrames(texts: readonly string[]): PreparedFrames {
  const lengths = texts.map((text) => Buffer.byteLength(text, 'utf8'));
  const total = lengths.reduce((sum, n) => sum + headerLength(n) + n, 0);
  const wire = Buffer.allocUnsafe(total);
  let at = 0;
  texts.forEach((text, i) => {
    const n = lengths[i] ?? 0;
    wire[at] = 0x81;
    if (n < 126) wire[at + 1] = n;
    else if (n < 65_536) {
      wire[at + 1] = 126;
      wire.writeUInt16BE(n, at + 2);
    } else {
      wire[at + 1] = 127;
      wire.writeBigUInt64BE(BigInt(n), at + 2);
    }
    at += headerLength(n);
    at += wire.write(text, at, n, 'utf8');
  });
  return { texts, wire };
}

/** Whether `frames` was made by {@link prepareFrames}. */
export function isPrepared(frames: readonly string[] | PreparedFrames): frames is PreparedFrames {
  return !Array.isArray(frames) && Buffer.isBuffer((frames as PreparedFrames).wire);
}

function headerLength(payload: number): number {
  return payload < 126 ? 2 : payload < 65_536 ? 4 : 10;
}

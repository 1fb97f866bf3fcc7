// The decoder's own error lives beside the decoder so that protocol/ imports nothing from domain/;
// domain/errors re-exports this one class for `AgentError`, `toAgentError` and `instanceof`.

/** Why a frame failed to decode. */
export type DecodeFailure = 'json' | 'envelope' | 'schema' | 'oversize';

/**
 * A frame (or a response body) that could not be decoded. Names the path that failed and what was
 * expected there, never the offending value.
 *
 * @example
 * const r = decodeFrame('{oops');
 * if (isLeft(r)) r.left.kind; // 'DecodeError', r.left.reason === 'json'
 */
export class DecodeError extends Error {
  readonly kind = 'DecodeError' as const;
  constructor(
    message: string,
    /** What went wrong: not JSON, not an envelope, a body failing its codec, or too large. */
    readonly reason: DecodeFailure,
    /** Dotted path of the first failing field, e.g. `body.changes[0].result.ringsDetails[0].ringState`. */
    readonly path?: string,
    /** The frame's `type` when it was readable. */
    readonly frameType?: string,
    /** The request id, when a request or response body failed. */
    readonly reqId?: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

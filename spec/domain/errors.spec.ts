import { isLeft } from 'fp-ts/lib/Either.js';
import { DecodeError, decodeFrame, toAgentError, type AgentError } from '../../src/index.js';
import { DecodeError as DomainDecodeError } from '../../src/domain/errors.js';
import { DecodeError as ProtocolDecodeError } from '../../src/protocol/errors.js';

describe('DecodeError', () => {
  it('is one class, whichever folder it is imported from', () => {
    expect(DomainDecodeError).toBe(ProtocolDecodeError);
    expect(DecodeError).toBe(ProtocolDecodeError);
  });

  it('comes out of decodeFrame as the AgentError that toAgentError passes through', () => {
    const decoded = decodeFrame('{oops');
    if (!isLeft(decoded)) throw new Error('expected a decode failure');
    const error: AgentError = decoded.left;
    expect(error).toBeInstanceOf(DecodeError);
    expect(error.kind).toBe('DecodeError');
    expect(toAgentError(error)).toBe(error);
  });
});

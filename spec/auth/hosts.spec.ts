import fc from 'fast-check';
import { httpBase, isLoopbackHost, isValidHost, wsBase } from '../../src/auth/hosts.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.0.0.1:8080', '127.8.9.10', 'localhost', 'LOCALHOST:3000', '[::1]', '[::1]:443', '[0:0:0:0:0:0:0:1]'])(
    'treats %s as loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  it.each([
    'example.com',
    '128.0.0.1',
    '10.0.0.1:80',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
    'evil.example@127.0.0.1',
    '127.0.0.1/..@evil.example',
    '[::2]',
    '',
  ])('does not treat %s as loopback', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('isValidHost', () => {
  it('accepts host[:port] and refuses schemes, userinfo and paths', () => {
    expect(['va.agentvep.liveperson.net', '127.0.0.1:8080', '[::1]:9'].map(isValidHost)).toEqual([true, true, true]);
    expect(['https://a.example', 'u@a.example', 'a.example/path', 'a.example:port'].map(isValidHost)).toEqual([false, false, false, false]);
  });
});

describe('httpBase / wsBase', () => {
  it('uses plain http/ws for loopback hosts by default', () => {
    expect(httpBase('127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(wsBase('localhost:8080')).toBe('ws://localhost:8080');
  });

  it('uses TLS for loopback hosts when secure is true', () => {
    expect(httpBase('127.0.0.1:8443', true)).toBe('https://127.0.0.1:8443');
    expect(wsBase('[::1]:8443', true)).toBe('wss://[::1]:8443');
  });

  it('forces https/wss on non-loopback hosts even when secure is false', () => {
    expect(httpBase('va.agentvep.liveperson.net', false)).toBe('https://va.agentvep.liveperson.net');
    expect(wsBase('va.facade-msg.liveperson.net', false)).toBe('wss://va.facade-msg.liveperson.net');
    expect(httpBase('10.1.2.3:80', false)).toBe('https://10.1.2.3:80');
  });

  it('never downgrades a public domain, whatever secure says', () => {
    fc.assert(
      fc.property(
        fc.domain().filter((domain) => !/^localhost\.?$/i.test(domain)),
        fc.option(fc.boolean(), { nil: undefined }),
        (domain, secure) => {
          expect(httpBase(domain, secure)).toBe(`https://${domain}`);
          expect(wsBase(domain, secure)).toBe(`wss://${domain}`);
        },
      ),
    );
  });
});

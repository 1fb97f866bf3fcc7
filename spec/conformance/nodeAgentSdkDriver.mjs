// Runs LivePerson's node-agent-sdk in a process of its own, for spec/conformance: the SDK's
// `request` and `ws` 1.x clients trust the emulator's certificate only through
// NODE_EXTRA_CA_CERTS, which Node reads at start-up, so they cannot run inside the jest worker.
//
// argv[2]: the SDK configuration as JSON ({accountId, username, password, csdsDomain}).
// stdout: one JSON object per line:
//   {kind: 'connected', agentId, legacyId}           the SDK logged in and opened its socket
//   {kind: 'notification', type, body}              every notification, after the SDK's Transformer
//   {kind: 'response', id, error?, body?}           the outcome of a command
//   {kind: 'error', message, code?, payload?}       the SDK's 'error' event (TransformError carries payload)
//   {kind: 'closed', code?}                         the socket closed
// stdin: one command per line, {id, method, body}, calling `sdk[method](body, callback)`.
// The process exits when stdin ends, disposing of the SDK first.

import process from 'node:process';
import readline from 'node:readline';
import nodeAgentSdk from 'node-agent-sdk';

const { Agent } = nodeAgentSdk;

const write = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const sdk = new Agent(JSON.parse(process.argv[2]));

sdk.on('connected', () => write({ kind: 'connected', agentId: sdk.agentId, legacyId: sdk.__oldAgentId }));
sdk.on('notification', (msg) => write({ kind: 'notification', type: msg.type, body: msg.body }));
sdk.on('error', (err) => write({ kind: 'error', message: String(err && err.message), code: err && err.code, payload: err && err.payload }));
sdk.on('closed', (code) => write({ kind: 'closed', code: typeof code === 'number' ? code : undefined }));

const errorOf = (err) => (err instanceof Error ? { message: err.message } : err);

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, method, body } = JSON.parse(line);
  if (typeof sdk[method] !== 'function') {
    write({ kind: 'response', id, error: { message: `no method ${method}` } });
    return;
  }
  sdk[method](body, (err, responseBody) =>
    write(err ? { kind: 'response', id, error: errorOf(err) } : { kind: 'response', id, body: responseBody }),
  );
}).on('close', () => {
  sdk.dispose();
  process.exit(0);
});

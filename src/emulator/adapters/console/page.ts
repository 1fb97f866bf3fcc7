import { consoleApp } from './app.js';

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1d2330;background:#f4f5f8}
header{display:flex;gap:12px;align-items:center;padding:8px 14px;background:#1d2330;color:#fff}header h1{font-size:16px;margin:0}
#status{margin-left:auto;font-size:12px;opacity:.8}
main{display:grid;grid-template-columns:280px 1fr 360px;gap:10px;padding:10px;height:calc(100vh - 42px)}
section{background:#fff;border-radius:8px;padding:10px;overflow:auto;box-shadow:0 1px 2px #0001}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.05em;margin:4px 0 8px;color:#5a6275}
ul{list-style:none;margin:0;padding:0}li{padding:4px 6px;border-radius:4px;font-size:13px}
#conversations li{cursor:pointer}#conversations li:hover,#conversations li.selected{background:#e8edfb}
#chat{display:flex;flex-direction:column}#messages{flex:1;overflow:auto;display:flex;flex-direction:column;gap:6px;padding:6px}
.bubble{max-width:75%;padding:6px 10px;border-radius:12px;background:#eef0f4;align-self:flex-start}
.bubble.mine{align-self:flex-end;background:#3b6cf6;color:#fff}.receipt{font-size:11px;opacity:.8}
.typing{font-style:italic;color:#5a6275;font-size:12px}
.rich{display:flex;flex-direction:column;gap:4px;border:1px solid #d5d9e2;border-radius:8px;padding:6px;background:#fff;color:#1d2330}
.rich.horizontal,.rich.carousel{flex-direction:row}.rich img{max-width:160px}
button{font:inherit;border:1px solid #b9c2d6;background:#fff;border-radius:6px;padding:3px 8px;cursor:pointer}button:hover{background:#eef2fd}
.quick-replies{display:flex;flex-wrap:wrap;gap:4px;margin-top:6px}
form{display:flex;gap:6px;margin-top:6px}form input{flex:1;padding:6px;border:1px solid #b9c2d6;border-radius:6px}
#frames li{font-family:ui-monospace,monospace;font-size:11px;cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#frames pre{display:none;white-space:pre-wrap;word-break:break-all}#frames li.open pre{display:block}
.faults{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:10px}.faults input{width:56px}
`;

const BODY = `
<header><h1>lp-emulator console</h1><span>LivePerson Messaging, offline</span><span id="status" data-testid="status"></span></header>
<main>
  <section>
    <h2>Conversations</h2>
    <div class="faults"><input id="skill" placeholder="skill" value="-1" aria-label="skill"><button id="new-conversation" data-testid="new-conversation">New conversation</button></div>
    <ul id="conversations"></ul>
    <h2>Agents</h2>
    <ul id="agents"></ul>
  </section>
  <section id="chat">
    <h2 id="chat-title">Chat</h2>
    <div id="messages" data-testid="messages"></div>
    <form id="compose"><input id="text" data-testid="text" placeholder="Type as the consumer…" autocomplete="off"><button data-testid="send">Send</button><button type="button" id="close-conversation">Close</button></form>
  </section>
  <section>
    <h2>Faults</h2>
    <div class="faults">
      <select id="drop-code" data-testid="drop-code" aria-label="close code"><option>1006</option><option>1000</option><option>4401</option><option>4407</option><option>1011</option><option>4000</option></select>
      <button id="drop" data-testid="drop">Drop</button>
      <button id="expire">Expire tokens</button>
      <button id="silence">Stop answering</button>
      <input id="rate" value="5" aria-label="requests per second"><button id="rate-limit">Rate limit</button>
      <select id="kick-user" aria-label="agent to kick"></select><button id="kick">Kick session</button>
      <button id="clear">Clear faults</button>
    </div>
    <h2>Frames</h2>
    <div class="faults"><input id="frame-agent" placeholder="agent" style="width:100px"><input id="frame-type" placeholder="type" style="width:140px"></div>
    <ul id="frames"></ul>
  </section>
</main>`;

/**
 * The console's page: markup, style and the app's compiled source, one self-contained document
 * (works offline; talks to `/emulator/…` on the same origin).
 *
 * @example
 * res.end(consolePage());
 */
export function consolePage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>lp-emulator console</title><style>${STYLE}</style></head><body>${BODY}<script>(${consoleApp.toString()})();</script></body></html>`;
}

/// <reference lib="dom" />
/**
 * The emulator's web console, as one self-contained function: `page.ts` puts its compiled source
 * (`consoleApp.toString()`) in the page, so the console is built with the package (tsc/tshy), needs
 * no bundler, no framework and no network beyond the emulator itself. It must not refer to anything
 * outside its own body. It talks to the control API (`/emulator/…`) only.
 *
 * @example
 * const html = `<script>(${consoleApp.toString()})()</script>`;
 */
export function consoleApp(): void {
  interface Conversation {
    convId: string;
    consumerId: string;
    skillId: string;
    state: string;
    participants: Record<string, string[] | undefined>;
    dialogs: { dialogId: string; participantsDetails?: { id: string; role: string; state?: string }[] }[];
  }
  interface AgentRow {
    username: string;
    legacyId: string;
    availability?: string;
    connections: number;
  }
  interface EventRecord {
    sequence?: number;
    originatorId?: string;
    event: { type: string; message?: unknown; content?: unknown; quickReplies?: unknown; chatState?: string; status?: string; sequenceList?: number[] };
  }
  interface Frame {
    id: number;
    at: number;
    username: string;
    direction: 'in' | 'out';
    type: string;
    text: string;
  }
  type Node = Record<string, unknown>;

  const $ = <T extends HTMLElement>(selector: string): T => {
    const found = document.querySelector<T>(selector);
    if (!found) throw new Error(`no ${selector}`);
    return found;
  };
  const el = (tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | HTMLElement)[]): HTMLElement => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof HTMLElement ? c : String(c));
    return node;
  };
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`/emulator${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const json: unknown = await res.json();
    if (!res.ok) throw new Error((json as { error?: { message?: string } }).error?.message ?? res.statusText);
    return json;
  };
  const status = (text: string): void => {
    $('#status').textContent = text;
  };
  const guard = (work: () => Promise<unknown>): void => {
    work().catch((e: unknown) => status(e instanceof Error ? e.message : String(e)));
  };

  let selected: string | undefined;
  let stream: EventSource | undefined;
  let consumerId = '';
  const records = new Map<number, EventRecord>();
  const frames: Frame[] = [];
  let typing = false;
  let readUpTo = 0;

  // ---- conversations and agents, polled
  const assigned = (c: Conversation): string => {
    for (const d of c.dialogs) {
      for (const p of d.participantsDetails ?? []) if (p.role === 'ASSIGNED_AGENT') return `${p.id}${p.state === 'SUGGESTED' ? ' (SUGGESTED)' : ''}`;
    }
    return c.participants['ASSIGNED_AGENT']?.[0] ?? '—';
  };
  const refresh = async (): Promise<void> => {
    const [conversations, agents] = (await Promise.all([api('GET', '/conversations'), api('GET', '/agents')])) as [Conversation[], AgentRow[]];
    const list = $('#conversations');
    list.replaceChildren(
      ...conversations.map((c) => {
        const row = el('li', { 'data-testid': 'conversation', 'data-conv': c.convId, class: c.convId === selected ? 'selected' : '' }, el('b', {}, c.convId.slice(0, 8)), ` ${c.state} · skill ${c.skillId} · ${assigned(c)}`);
        row.addEventListener('click', () => select(c.convId, c.consumerId));
        return row;
      }),
    );
    $('#agents').replaceChildren(
      ...agents.map((a) => el('li', { 'data-testid': 'agent' }, el('b', {}, a.username), ` ${a.availability ?? '—'} · ${a.connections > 0 ? 'connected' : 'offline'}`)),
    );
    const kick = $<HTMLSelectElement>('#kick-user');
    const current = kick.value;
    kick.replaceChildren(...agents.map((a) => el('option', { value: a.username }, a.username)));
    if (current) kick.value = current;
  };

  // ---- chat
  const renderRich = (node: Node): HTMLElement => {
    const type = String(node['type']);
    const elements = Array.isArray(node['elements']) ? (node['elements'] as Node[]) : [];
    if (type === 'vertical' || type === 'horizontal' || type === 'carousel') return el('div', { class: `rich ${type}`, 'data-testid': 'card' }, ...elements.map(renderRich));
    if (type === 'text') return el('div', { class: 'rich-text' }, String(node['text'] ?? ''));
    if (type === 'image') return el('img', { src: String(node['url'] ?? ''), alt: String(node['caption'] ?? node['tooltip'] ?? '') });
    if (type === 'button') {
      const b = el('button', { class: 'rich-button' }, String(node['title'] ?? ''));
      const actions = ((node['click'] as Node | undefined)?.['actions'] as Node[] | undefined) ?? [];
      const said = actions.find((a) => a['type'] === 'publishText')?.['text'];
      const uri = actions.find((a) => a['type'] === 'link')?.['uri'];
      b.addEventListener('click', () => {
        if (typeof said === 'string') guard(() => sendText(said));
        else if (typeof uri === 'string') window.open(uri, '_blank');
      });
      return b;
    }
    return el('div', { class: 'rich-text' }, `(${type})`);
  };
  const renderChat = (): void => {
    const pane = $('#messages');
    const ordered = [...records.values()].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    const items = ordered.map((r) => {
      const mine = r.originatorId === consumerId;
      const e = r.event;
      const bubble = el('div', { class: `bubble ${mine ? 'mine' : 'theirs'}`, 'data-testid': mine ? 'consumer-message' : 'bot-message' });
      if (e.type === 'ContentEvent') bubble.append(typeof e.message === 'string' ? e.message : '(file)');
      else if (e.type === 'RichContentEvent') bubble.append(renderRich(e.content as Node));
      else bubble.append(`(${e.type})`);
      if (mine && (r.sequence ?? 0) <= readUpTo) bubble.append(el('span', { class: 'receipt', 'data-testid': 'read' }, ' ✓✓'));
      const replies = (e.quickReplies as Node | undefined)?.['replies'];
      if (!mine && Array.isArray(replies) && r === ordered[ordered.length - 1]) {
        const row = el('div', { class: 'quick-replies' });
        for (const reply of replies as Node[]) {
          const b = el('button', { 'data-testid': 'quick-reply' }, String(reply['title'] ?? ''));
          b.addEventListener('click', () => guard(async () => {
            await api('POST', `/consumers/${selected ?? ''}/messages`, { quickReply: { title: String(reply['title'] ?? ''), ...(reply['click'] ? { click: reply['click'] } : {}) } });
            await reload();
          }));
          row.append(b);
        }
        bubble.append(row);
      }
      return bubble;
    });
    pane.replaceChildren(...items, ...(typing ? [el('div', { class: 'typing', 'data-testid': 'typing' }, 'the bot is typing…')] : []));
    pane.scrollTop = pane.scrollHeight;
  };
  const reload = async (): Promise<void> => {
    if (!selected) return;
    const snapshot = (await api('GET', `/conversations/${selected}`)) as { events: EventRecord[] };
    for (const r of snapshot.events) {
      if (r.event.type === 'AcceptStatusEvent') {
        if (r.event.status === 'READ' && r.originatorId !== consumerId) readUpTo = Math.max(readUpTo, ...(r.event.sequenceList ?? [0]));
      } else if (r.sequence !== undefined) records.set(r.sequence, r);
    }
    renderChat();
  };
  const select = (convId: string, consumer: string): void => {
    selected = convId;
    consumerId = consumer;
    records.clear();
    readUpTo = 0;
    typing = false;
    stream?.close();
    $('#chat-title').textContent = `conversation ${convId.slice(0, 8)}`;
    stream = new EventSource(`/emulator/consumers/${convId}/received/stream`);
    stream.onmessage = (message: MessageEvent<string>) => {
      const r = JSON.parse(message.data) as EventRecord;
      if (r.event.type === 'ChatStateEvent') typing = r.event.chatState === 'COMPOSING';
      else if (r.event.type === 'AcceptStatusEvent') {
        if (r.event.status === 'READ') readUpTo = Math.max(readUpTo, ...(r.event.sequenceList ?? [0]));
      } else if (r.sequence !== undefined) {
        records.set(r.sequence, r);
        typing = false;
      }
      renderChat();
    };
    guard(async () => {
      await reload();
      await refresh();
    });
  };
  const sendText = async (text: string): Promise<void> => {
    if (!selected) throw new Error('open or pick a conversation first');
    const { sequence } = (await api('POST', `/consumers/${selected}/messages`, { text })) as { sequence: number };
    records.set(sequence, { sequence, originatorId: consumerId, event: { type: 'ContentEvent', message: text } });
    renderChat();
  };

  // ---- frames
  const renderFrames = (): void => {
    const who = $<HTMLInputElement>('#frame-agent').value.trim();
    const type = $<HTMLInputElement>('#frame-type').value.trim().toLowerCase();
    const shown = frames.filter((f) => (!who || f.username.includes(who)) && (!type || f.type.toLowerCase().includes(type))).slice(-200);
    $('#frames').replaceChildren(
      ...shown.map((f) => {
        const row = el('li', { 'data-testid': 'frame', title: f.text }, `${new Date(f.at).toISOString().slice(11, 23)} ${f.direction === 'in' ? '→' : '←'} ${f.username} ${f.type}`);
        row.addEventListener('click', () => row.classList.toggle('open'));
        row.append(el('pre', {}, f.text));
        return row;
      }),
    );
  };

  // ---- wiring
  $('#new-conversation').addEventListener('click', () =>
    guard(async () => {
      const skillId = $<HTMLInputElement>('#skill').value.trim() || '-1';
      const { convId, consumerId: id } = (await api('POST', '/consumers', { skillId })) as { convId: string; consumerId: string };
      select(convId, id);
      status(`opened ${convId.slice(0, 8)}`);
    }),
  );
  $('#compose').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('#text');
    const text = input.value;
    if (!text) return;
    input.value = '';
    guard(() => sendText(text));
  });
  $('#close-conversation').addEventListener('click', () => guard(async () => selected && api('POST', `/consumers/${selected}/close`)));
  $('#drop').addEventListener('click', () =>
    guard(async () => {
      const code = Number($<HTMLSelectElement>('#drop-code').value);
      await api('POST', '/faults/drop', { code });
      status(`dropped every agent socket with ${code}`);
    }),
  );
  const fault = (id: string, path: string, body?: () => unknown): void =>
    $(id).addEventListener('click', () =>
      guard(async () => {
        await api('POST', path, body?.());
        status(`${path.slice(8)} done`);
      }),
    );
  fault('#expire', '/faults/expire-tokens');
  fault('#silence', '/faults/stop-answering');
  fault('#clear', '/faults/clear');
  fault('#rate-limit', '/faults/rate-limit', () => ({ perSecond: Number($<HTMLInputElement>('#rate').value) || 1 }));
  fault('#kick', '/faults/kick', () => ({ username: $<HTMLSelectElement>('#kick-user').value }));
  $('#frame-agent').addEventListener('input', renderFrames);
  $('#frame-type').addEventListener('input', renderFrames);

  guard(async () => {
    await api('POST', '/frames/record', { on: true });
    const events = new EventSource('/emulator/frames/stream');
    events.onmessage = (message: MessageEvent<string>) => {
      frames.push(JSON.parse(message.data) as Frame);
      if (frames.length > 1000) frames.shift();
      renderFrames();
    };
    await refresh();
  });
  setInterval(() => guard(refresh), 1000);
}

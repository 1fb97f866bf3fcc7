/**
 * A small Angular app running an agent in the browser: a standalone component with an inline
 * template, compiled JIT (`@angular/compiler`), zone-based change detection, bundled by
 * browser.spec.ts with esbuild (platform browser) and served from its own loopback port. It reads
 * its config from `window.__LP__` and exposes `window.__LP_DESTROY__` to tear the app down.
 */
import '@angular/compiler';
import 'zone.js';
import { Component, NgZone, provideZoneChangeDetection } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { bootstrapApplication } from '@angular/platform-browser';
import { from, map, merge, scan } from 'rxjs';
import { acceptWaitingRings, contentEvents, type Command, type TokenCredentials } from '../../../src/index.js';
import { injectLpAgent, provideLpAgent, withPipelines, type LpPipelineFn } from '../../../src/angular/index.js';

interface PageConfig {
  readonly credentials: TokenCredentials;
  /** The emulator, `127.0.0.1:port`. */
  readonly host: string;
}

const { credentials, host } = Reflect.get(globalThis, '__LP__') as PageConfig;

/** Goes online, follows its own conversations and accepts every waiting ring. */
const acceptRings: LpPipelineFn = (agent) =>
  merge(
    from<Command[]>([
      { type: '.ams.routing.SubscribeRoutingTasks', body: {} },
      { type: '.ams.routing.SetAgentState', body: { availability: 'ONLINE' } },
      { type: '.ams.aam.SubscribeExConversations', body: { convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] } },
    ]),
    agent.rings$.pipe(acceptWaitingRings()),
  );

/** What the consumer wrote, and whether it reached the component inside the Angular zone. */
interface Said {
  readonly text: string;
  readonly inZone: boolean;
}

// No decorator syntax: `Component(...)` applied to a class expression is the same for the JIT compiler.
const InboxComponent = Component({
  selector: 'lp-inbox',
  template: `
    <p>status <span id="status">{{ status() }}</span> commands done <span id="done">{{ done() }}</span></p>
    <ul id="messages">
      @for (said of messages(); track $index) {
        <li [attr.data-in-zone]="said.inZone">{{ said.text }}</li>
      }
    </ul>
    <ul id="errors">
      @for (error of errors(); track $index) {
        <li>{{ error }}</li>
      }
    </ul>
  `,
})(
  class {
    private readonly lp = injectLpAgent();
    readonly status = toSignal(this.lp.connection$.pipe(map((s) => s.status)), { requireSync: true });
    readonly messages = toSignal(
      this.lp.messages$.pipe(
        contentEvents(),
        scan((all: Said[], m) => [...all, { text: m.event.message, inZone: NgZone.isInAngularZone() }], []),
      ),
      { initialValue: [] },
    );
    readonly done = toSignal(this.lp.results$.pipe(scan((n: number, r) => (r.ok ? n + 1 : n), 0)), { initialValue: 0 });
    readonly errors = toSignal(this.lp.errors$.pipe(scan((all: string[], e) => [...all, `${e.kind}: ${e.message}`], [])), {
      initialValue: [],
    });
  },
);

bootstrapApplication(InboxComponent, {
  providers: [
    provideZoneChangeDetection(),
    provideLpAgent({ ...credentials, domains: { facadeMsg: host }, reconnect: false }, withPipelines(acceptRings)),
  ],
}).then(
  (app) => Reflect.set(globalThis, '__LP_DESTROY__', () => app.destroy()),
  (error: unknown) => Reflect.set(globalThis, '__LP_ERROR__', String(error)),
);

import type { NgZone } from '@angular/core';
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Subscribes to the source outside the Angular zone and delivers its notifications inside it.
 *
 * The agent's socket, timers and requests live outside the zone, so they never keep an app from
 * becoming stable and never trigger change detection on their own; what reaches a component comes
 * back in through `zone.run`, so zone-based change detection sees it. With zoneless change
 * detection `NgZone` is a no-op and this operator changes nothing.
 *
 * @example
 * import { inject, NgZone } from '@angular/core';
 * import { enterZone, LP_AGENT } from 'lp-agent-rx/angular';
 *
 * const messages$ = inject(LP_AGENT).messages$.pipe(enterZone(inject(NgZone)));
 *
 * @see {@link injectLpAgent} for every stream of the agent, already piped through it.
 *
 * @param zone The app's `NgZone`.
 * @return A function returning an Observable that mirrors the source, its notifications in the zone.
 */
export function enterZone<T>(zone: NgZone): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      zone.runOutsideAngular(() =>
        source.subscribe({
          next: (value) => zone.run(() => subscriber.next(value)),
          error: (error: unknown) => zone.run(() => subscriber.error(error)),
          complete: () => zone.run(() => subscriber.complete()),
        }),
      ),
    );
}

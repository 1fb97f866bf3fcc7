import '@angular/compiler';
import 'zone.js';
import { provideZoneChangeDetection, RendererFactory2, type EnvironmentProviders, type Provider } from '@angular/core';
import { TestBed, TestComponentRenderer } from '@angular/core/testing';
import { BrowserTestingModule, platformBrowserTesting } from '@angular/platform-browser/testing';

let initialized = false;

/**
 * Configures TestBed with zone-based change detection (a real NgZone) and `providers`, without a
 * DOM: these specs only use injectors, so change detection runs (on every zone turn) with no
 * renderer, and the default no-op component renderer replaces the DOM one.
 */
export function configureTestBed(providers: Array<Provider | EnvironmentProviders>): void {
  if (!initialized) {
    TestBed.initTestEnvironment(BrowserTestingModule, platformBrowserTesting());
    initialized = true;
  }
  TestBed.configureTestingModule({
    providers: [
      provideZoneChangeDetection(),
      { provide: TestComponentRenderer, useClass: TestComponentRenderer },
      { provide: RendererFactory2, useValue: null },
      ...providers,],
  });
}

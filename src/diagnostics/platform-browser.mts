// The browser dialect's twin of platform.ts (tshy builds dist/browser with it): see browserPlatform.ts.
export * from './browserPlatform.js';

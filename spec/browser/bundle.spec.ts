import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';

const root = join(__dirname, '..', '..');

/** Every Node built-in, bare and `node:`-prefixed (`fs`, `node:fs`, `fs/promises`, ...). */
const builtins = [...new Set(builtinModules.flatMap((name) => [name, name.startsWith('node:') ? name : `node:${name}`]))];
const isBuiltin = (path: string): boolean => builtins.includes(path) || path.startsWith('node:');

async function bundle(entry: string, platform: 'browser' | 'node', external: string[] = []): Promise<Metafile> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform,
    external,
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Imports esbuild left unresolved (externals), over every input. */
function externalImports(metafile: Metafile): string[] {
  return Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external === true).map((i) => i.path));
}

describe.each(['src/index.ts', 'src/testing/index.ts'])('the browser bundle of %s', (entry) => {
  it('builds for platform browser with no configuration (esbuild refuses Node built-ins there)', async () => {
    const metafile = await bundle(entry, 'browser');
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((path) => /node_modules\/ws\//.test(path))).toEqual([]);
    expect(inputs).not.toContain('src/socket/nodeSocket.ts');
    expect(inputs).not.toContain('src/auth/trustingFetch.ts');
    expect(inputs).not.toContain('src/socket/platform.ts');
    expect(inputs).not.toContain('src/auth/platform.ts');
    expect(inputs).not.toContain('src/diagnostics/platform.ts');
    if (entry === 'src/index.ts') {
      expect(inputs).toEqual(expect.arrayContaining(['src/socket/browserPlatform.ts', 'src/socket/browserSocket.ts', 'src/auth/browserPlatform.ts', 'src/diagnostics/browserPlatform.ts']));
    }
  });

  it('imports neither ws nor any Node built-in, even when they are allowed as externals', async () => {
    const metafile = await bundle(entry, 'browser', ['ws', ...builtins]);
    const externals = externalImports(metafile);
    expect(externals.filter((path) => path === 'ws' || isBuiltin(path))).toEqual([]);
    expect(Object.keys(metafile.inputs).filter((path) => /node_modules\/ws\//.test(path))).toEqual([]);
  });
});

describe('the Node side of the platform split', () => {
  it('still bundles the ws adapter and the trusting fetch for platform node', async () => {
    const metafile = await bundle('src/index.ts', 'node', ['ws']);
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining(['src/socket/platform.ts', 'src/socket/nodeSocket.ts', 'src/auth/platform.ts', 'src/auth/trustingFetch.ts', 'src/diagnostics/platform.ts']));
    expect(inputs).not.toContain('src/socket/browserPlatform.ts');
    expect(externalImports(metafile)).toEqual(expect.arrayContaining(['ws', 'node:https']));
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    browser: Record<string, string>;
    exports: Record<string, Record<string, { default: string; types: string }> | string>;
    tshy: { esmDialects: string[] };
  };

  it('maps each platform file of the sources to its browser twin, and tshy builds a browser dialect with the same twins', () => {
    const platformFiles = ['socket/platform', 'auth/platform', 'diagnostics/platform'];
    for (const file of platformFiles) {
      const dir = file.split('/')[0] ?? '';
      expect(pkg.browser[`./src/${file}.js`]).toBe(`./src/${dir}/browserPlatform.js`);
      expect(existsSync(join(root, 'src', `${file}.ts`))).toBe(true);
      expect(existsSync(join(root, 'src', dir, 'browserPlatform.ts'))).toBe(true);
      // tshy's dialect override for the browser build re-exports the same twin.
      expect(readFileSync(join(root, 'src', `${file}-browser.mts`), 'utf8')).toContain("export * from './browserPlatform.js';");
    }
    expect(Object.keys(pkg.browser)).toHaveLength(platformFiles.length);
    expect(pkg.tshy.esmDialects).toEqual(['browser']);
  });

  it('sends browser bundlers to the browser build of the core and of testing', () => {
    expect(pkg.exports['.']).toMatchObject({ browser: { default: './dist/browser/index.js', types: './dist/browser/index.d.ts' } });
    expect(pkg.exports['./testing']).toMatchObject({ browser: { default: './dist/browser/testing/index.js' } });
  });
});

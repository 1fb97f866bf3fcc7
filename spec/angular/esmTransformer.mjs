// Angular ships ES modules only (.mjs); jest runs this suite as CommonJS. esbuild rewrites those
// files to CommonJS on the fly (cached by jest), so the real Angular injector runs unbundled.
import { createHash } from 'node:crypto';
import { transformSync, version } from 'esbuild';

export default {
  process(sourceText, sourcePath) {
    const { code, map } = transformSync(sourceText, {
      format: 'cjs',
      loader: 'js',
      target: 'es2022',
      sourcefile: sourcePath,
      sourcemap: 'external',
      logLevel: 'silent',
    });
    return { code, map };
  },
  getCacheKey(sourceText, sourcePath) {
    return createHash('sha1').update(version).update('\0').update(sourcePath).update('\0').update(sourceText).digest('hex');
  },
};

// Bundles the extension and vscode-languageclient into out/extension.js (replacing tsc's
// unbundled output of that one file), so the .vsix needs no node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'out/extension.js',
  external: ['vscode'],
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  sourcemap: true,
  minify: true,
  keepNames: true,
  allowOverwrite: true,
  logLevel: 'warning',
});

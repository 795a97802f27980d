// Bundles the dashboard (web/dashboard) into one self-contained HTML page: no CDN, no second request.
// Usage: node scripts/build-dashboard.mjs [outDir]; default dist/src/dashboard, where the app reads it.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'dist/src/dashboard'));
const source = join(root, 'web/dashboard');

const bundle = await build({
  entryPoints: [join(source, 'main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
});
const script = bundle.outputFiles[0].text.replaceAll('</script', '<\\/script');
const style = readFileSync(join(source, 'styles.css'), 'utf8');
const page = readFileSync(join(source, 'index.html'), 'utf8')
  .replace('/*STYLE*/', () => style)
  .replace('/*SCRIPT*/', () => script);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'index.html'), page);

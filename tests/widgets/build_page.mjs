// Bundles the test page (page/main.jsx: React, @workos-inc/widgets and their styles) with esbuild
// into outDir, beside a copy of page/index.html. Run at test time; the bundle is never committed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function buildPage(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(here, 'page', 'main.jsx')],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(here, 'page', 'index.html'), path.join(outDir, 'index.html'));
  for (const name of ['main.js', 'main.css']) {
    if (!fs.existsSync(path.join(outDir, name))) throw new Error(`esbuild made no ${name}`);
  }
  return outDir;
}

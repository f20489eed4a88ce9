// build.mjs — `npm run build`: copies the dashboard's sources (src/) and
// Apache ECharts' prebuilt bundle into dist/, which `yuqing serve` serves.
// No bundler: the pages are plain ES modules the browser loads as they are.
// `node build.mjs DIR` builds into DIR instead (the browser test does).
import { cpSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.argv[2] ? resolve(process.argv[2]) : join(here, 'dist');
const require = createRequire(import.meta.url);
const echarts = require.resolve('echarts/dist/echarts.min.js');

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'vendor'), { recursive: true });
cpSync(join(here, 'src'), dist, { recursive: true });
cpSync(echarts, join(dist, 'vendor', 'echarts.min.js'));
cpSync(join(dirname(echarts), '..', 'LICENSE'), join(dist, 'vendor', 'echarts.LICENSE.txt'));
let n = 0, bytes = 0;
const walk = (d) => { for (const f of readdirSync(d)) { const p = join(d, f); const s = statSync(p); if (s.isDirectory()) walk(p); else { n++; bytes += s.size; } } };
walk(dist);
console.log(`${dist}: ${n} files, ${(bytes / 1024).toFixed(0)} KiB`);

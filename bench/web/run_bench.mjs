// WebAssembly vs native training speed, measured in one run of this script (bench/README.md):
// bench_train.cpp built natively, for node and for the browser, each run `--rounds` times
// interleaved (so a machine busy with other jobs hurts all three alike); the best round of
// each is reported with its ratio to native.
//
// Configurations: "peer" = Diffusion Explorer's network (TF.js): 3 -> 64 -> 64 -> 64 -> 2 ELU at
// batch 200 (its published rates on this machine: 32 steps/s as shipped, ~330 on TF.js's SIMD
// wasm backend; WGF Lab's target in the browser: >= 1,000); "lab" = the lab's default network
// (2 + 16 time features -> 64 x 3 SiLU -> 2) at batch 256.
//
// The lab page itself (build/web/web/dist): the size of what a student downloads (raw and gzip
// -9, as a static server with compression would send it) and the time to its first frame,
// loaded fresh (new browser context, no cache) `--loads` times from a local server.
//
// Usage: node bench/web/run_bench.mjs [--native PATH] [--web-dir DIR] [--dist DIR] [--rounds 3]
//                                     [--loads 5] [--variants] [--json FILE]
//   --variants  also the engine built natively for the x86-64 baseline (SSE2) and in wasm with
//               -msimd128 alone (plain Eigen on its scalar path), the alternative to the default
//               Eigen SSE path (configure both builds with -DWGF_WEB_BENCH_VARIANTS=ON first)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { launchChromium, repoRoot } from '../../tests/web/chromium.mjs';
import { serve } from '../../tests/web/static_server.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const nativeExe = resolve(arg('--native', join(repoRoot, 'build/default/bench/web/bench_web_train')));
const webDir = resolve(arg('--web-dir', join(repoRoot, 'build/web/bench/web')));
const dist = resolve(arg('--dist', join(repoRoot, 'build/web/web/dist')));
const rounds = Number(arg('--rounds', '3'));
const loads = Number(arg('--loads', '5'));
const variants = process.argv.includes('--variants');
const jsonOut = arg('--json');

const CONFIGS = {
  peer: ['--width', '64', '--depth', '3', '--activation', 'elu', '--time-features', '0', '--batch', '200'],
  lab: ['--width', '64', '--depth', '3', '--activation', 'silu', '--time-features', '16', '--batch', '256'],
};
const TIMING = ['--steps', '300', '--reps', '5', '--warmup', '30'];

const need = [[nativeExe, 'build the default preset (scripts/build.sh)'],
              [join(webDir, 'bench_web_train.js'), 'build the web preset (cmake --build build/web)'],
              [join(webDir, 'bench_web_train_page.js'), 'build the web preset']];
const nativeX86 = nativeExe.replace(/bench_web_train$/, 'bench_web_train_x86_64');
if (variants) {
  need.push([join(webDir, 'bench_web_train_simd128.js'), 'configure build/web with -DWGF_WEB_BENCH_VARIANTS=ON and build']);
  need.push([nativeX86, 'configure the native build with -DWGF_WEB_BENCH_VARIANTS=ON and build']);
}
for (const [p, how] of need)
  if (!existsSync(p)) {
    console.error(`run_bench: ${p} not found: ${how}`);
    process.exit(2);
  }

function parseLine(text, what) {
  const line = text.split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${what} printed no result:\n${text}`);
  return JSON.parse(line);
}
function runProcess(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return parseLine(r.stdout, what);
}

const server = await serve(webDir);
const browser = await launchChromium();
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
// CPU seconds of the renderer's main thread (Chromium's "ThreadTime" metric), which is where
// the wasm runs: the browser's counterpart of the CPU clocks used natively and under node.
async function threadTime() {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'ThreadTime').value;
}
async function runBrowser(module, args) {
  await page.goto(`${server.url}bench.html?module=${module}`);
  await page.waitForFunction(() => window.bench, null, { timeout: 120000 });
  const opt = (name) => Number(args[args.indexOf(name) + 1]);
  await page.evaluate((a) => window.bench.setup(a), args.join(' '));
  await page.evaluate((n) => window.bench.rep(n), opt('--warmup'));
  let wall = Infinity, cpu = Infinity;
  for (let r = 0; r < opt('--reps'); r++) {
    const c0 = await threadTime();
    const w = await page.evaluate((n) => window.bench.rep(n), opt('--steps'));
    const c = (await threadTime()) - c0;
    wall = Math.min(wall, w / opt('--steps'));
    cpu = Math.min(cpu, c / opt('--steps'));
  }
  return page.evaluate(([w, c]) => window.bench.report(w, c), [wall, cpu]);
}

const targets = [
  ['native', (a) => runProcess(nativeExe, a, 'native bench')],
  ['wasm node', (a) => runProcess(process.execPath, ['--no-experimental-fetch', join(webDir, 'bench_web_train.js'), ...a], 'node bench')],
  ['wasm Chromium', (a) => runBrowser('bench_web_train_page', a)],
];
if (variants) {
  targets.splice(1, 0, ['native x86-64 (SSE2)', (a) => runProcess(nativeX86, a, 'native x86-64 bench')]);
  targets.push(['wasm node, simd128 only', (a) => runProcess(process.execPath, ['--no-experimental-fetch',
    join(webDir, 'bench_web_train_simd128.js'), ...a], 'node simd128 bench')]);
  targets.push(['wasm Chromium, simd128 only', (a) => runBrowser('bench_web_train_simd128_page', a)]);
}

const results = {};
const pageResult = { files: {}, firstFrameMs: [] };
try {
  // ---- the lab page: sizes and time to first frame ----
  if (existsSync(join(dist, 'index.html'))) {
    for (const f of readdirSync(dist).sort()) {
      const bytes = readFileSync(join(dist, f));
      pageResult.files[f] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }
    const labServer = await serve(dist);
    for (let i = 0; i < loads; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const p = await ctx.newPage();
      await p.goto(labServer.url);
      await p.waitForFunction(() => window.wgflab && window.wgflab.firstFrameMs, null, { timeout: 120000 });
      pageResult.firstFrameMs.push(await p.evaluate(() => window.wgflab.firstFrameMs));
      await ctx.close();
    }
    await labServer.close();
  } else {
    console.warn(`run_bench: no lab page in ${dist} (build the web preset): page sizes and first frame skipped`);
  }

  for (const [config, cargs] of Object.entries(CONFIGS)) {
    results[config] = {};
    for (let r = 0; r < rounds; r++)
      for (const [name, run] of targets) {
        const res = await run([...cargs, ...TIMING]);
        // Keep the best of each rate across rounds.
        const best = results[config][name];
        if (!best) results[config][name] = res;
        else {
          best.steps_per_s = Math.max(best.steps_per_s, res.steps_per_s);
          best.ms_per_step = 1e3 / best.steps_per_s;
          best.cpu_steps_per_s = Math.max(best.cpu_steps_per_s || 0, res.cpu_steps_per_s || 0) || null;
        }
      }
  }
} finally {
  await browser.close();
  await server.close();
}

const chromeVersion = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`WGF Lab training bench: best of ${rounds} interleaved rounds (each: 5 reps x 300 steps), one thread.`);
console.log('CPU rate: steps per second of CPU time (native: process CPU clock; node: process.cpuUsage(); Chromium: the');
console.log("renderer main thread's ThreadTime), robust to a machine shared with other jobs; wall: steps per wall-clock second.");
console.log(`node ${process.version}; ${chromeVersion}\n`);
for (const [config, byTarget] of Object.entries(results)) {
  const any = Object.values(byTarget)[0];
  console.log(`${config}: ${any.model}, batch ${any.batch}, ${any.params} parameters`);
  const base = byTarget.native, f = (v) => (v ? v.toFixed(0) : '-').padStart(7);
  console.log(`  ${''.padEnd(26)} ${'CPU rate'.padStart(7)}          ${'wall'.padStart(7)}`);
  for (const [name, r] of Object.entries(byTarget))
    console.log(`  ${name.padEnd(26)} ${f(r.cpu_steps_per_s)} steps/s  ${(r.cpu_steps_per_s / base.cpu_steps_per_s).toFixed(2)}x` +
                `  ${f(r.steps_per_s)} steps/s  ${(r.steps_per_s / base.steps_per_s).toFixed(2)}x   [${r.simd}]`);
  if (config === 'peer') {
    const c = byTarget['wasm Chromium'];
    console.log(`  in Chromium: ${c.cpu_steps_per_s.toFixed(0)} steps per CPU second (${c.steps_per_s.toFixed(0)} per wall second ` +
                `on this shared machine) = ${(c.cpu_steps_per_s / 330).toFixed(1)}x TF.js SIMD-wasm (~330), ` +
                `${(c.cpu_steps_per_s / 32).toFixed(0)}x Diffusion Explorer as shipped (32); target >= 1000: ` +
                `${c.cpu_steps_per_s >= 1000 ? 'met' : 'NOT met'}`);
  }
  console.log('');
}
if (pageResult.firstFrameMs.length) {
  const ff = [...pageResult.firstFrameMs].sort((a, b) => a - b);
  let raw = 0, gz = 0;
  console.log(`lab page (${dist}):`);
  for (const [f, s] of Object.entries(pageResult.files)) {
    raw += s.bytes;
    gz += s.gzip;
    console.log(`  ${f.padEnd(14)} ${(s.bytes / 1024).toFixed(0).padStart(6)} KiB   gzip -9 ${(s.gzip / 1024).toFixed(0).padStart(5)} KiB`);
  }
  console.log(`  total          ${(raw / 1024).toFixed(0).padStart(6)} KiB   gzip -9 ${(gz / 1024).toFixed(0).padStart(5)} KiB` +
              `  (target < 1 MB gzip: ${gz < 1e6 ? 'met' : 'NOT met'})`);
  const median = ff[ff.length >> 1];
  console.log(`  first frame after navigation start, ${ff.length} fresh loads: median ${median.toFixed(0)} ms ` +
              `(min ${ff[0].toFixed(0)}, max ${ff[ff.length - 1].toFixed(0)}; target < 1500 ms: ${median < 1500 ? 'met' : 'NOT met'})`);
  pageResult.gzipTotal = gz;
  pageResult.rawTotal = raw;
  pageResult.firstFrameMedianMs = median;
}
if (jsonOut)
  writeFileSync(jsonOut, JSON.stringify({ rounds, chromium: chromeVersion, node: process.version, results, page: pageResult }, null, 1));

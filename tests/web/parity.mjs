// Native-vs-WebAssembly parity of one golden lesson: the same wgflab CLI source, built natively
// (build/default) and with Emscripten (build/web, run under node), trains the same network with
// the same seed, samples it and diagnoses it; `wgflab compare` then checks every number of the
// three run JSONs against the tolerances below. Also checks that compare fails (exit 3) when a
// value is off by more than its tolerance.
//
// Why the runs can differ at all: the engine's RNG and Gaussian sampler are its own (bit-equal
// streams on both sides), so what differs is floating-point evaluation: libm (glibc vs musl:
// exp, log, tanh... differ in the last bit or two), and the order of float32 sums in the
// matrix products (native: Eigen's AVX/FMA kernels; wasm: scalar Eigen auto-vectorised for
// simd128, no FMA). Those are relative differences of ~1e-7 per operation; training feeds them
// back through Adam for N steps, so they grow slowly with N; the samplers and the metrics
// (statistics of 1,000-2,000 points) then add nothing new beyond propagating them.
//
// Usage: node parity.mjs --native PATH/wgflab --wasm PATH/wgflab.js --out DIR
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const nativeExe = arg('--native') && resolve(arg('--native'));
const wasmJs = arg('--wasm') && resolve(arg('--wasm'));
const out = resolve(arg('--out', 'parity-out'));
for (const [what, p] of [['--native', nativeExe], ['--wasm', wasmJs]])
  if (!p || !existsSync(p)) {
    console.error(`parity: ${what} ${p} not found (scripts/test.sh builds the default and the web preset first)`);
    process.exit(2);
  }

// The golden lesson: 8 Gaussians, a 2-64-64-64-2 SiLU score network (16 time features),
// 600 DSM steps at batch 256, then the probability-flow ODE and the diagnostics sweep. Each
// side runs in its own folder with relative paths, so the run JSONs' configs are identical.
const STEPS = 600;
const LESSON = [
  ['train2d', '--density', 'gmm8', '--steps', String(STEPS), '--batch', '256', '--width', '64', '--depth', '3',
   '--lr', '2e-3', '--seed', '7', '--eval-n', '1000', '--save', 'model.mlp', '--out', 'train.json', '--quiet'],
  ['sample2d', '--density', 'gmm8', '--field', 'mlp:model.mlp', '--sampler', 'ode-heun', '--steps', '100',
   '--n', '2000', '--seed', '8', '--out', 'sample.json', '--quiet'],
  ['diagnose2d', '--density', 'gmm8', '--field', 'mlp:model.mlp', '--k-sweep', '6', '--samples', '128',
   '--seed', '9', '--out', 'diagnose.json', '--quiet'],
];

// Tolerances. Every number: |a - b| <= 1e-6 + 1e-5 |a|. Observed on this machine (native:
// AVX-512 + FMA kernels, glibc; wasm: simd128 without FMA, musl): the largest relative
// difference of any number that is not a mean of signed terms is 1.3e-7 (the loss history,
// i.e. float32 rounding, not yet amplified by 600 Adam steps), the largest absolute one 2.9e-7
// (a loop-integral spread); means that cancel to ~0 differ by < 1e-7 absolutely. So 1e-5
// leaves ~75x room for longer runs and other CPUs, while a real fault (another RNG stream,
// a wrong operation) moves these numbers by 1e-3 to 1 and fails. The reference floors and
// the metric box come from the density draws alone (float64, no network): 1e-9. Strings,
// seeds and configs must match exactly.
const TOLS = ['--rtol', '1e-5', '--atol', '1e-6', '--tol', 'reference_floor.*=1e-9,1e-12', '--tol', 'grid_box.*=1e-9,1e-12',
              '--tol', 'config.*=0,0', '--tol', 'seed=0,0'];

function run(cmd, args, cwd, label) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(`parity: ${label} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  return (Date.now() - t0) / 1000;
}

mkdirSync(join(out, 'native'), { recursive: true });
mkdirSync(join(out, 'wasm'), { recursive: true });
const nodeArgs = ['--no-experimental-fetch'];
const seconds = { native: 0, wasm: 0 };
for (const args of LESSON) seconds.native += run(nativeExe, args, join(out, 'native'), 'native ' + args[0]);
for (const args of LESSON) seconds.wasm += run(process.execPath, [...nodeArgs, wasmJs, ...args], join(out, 'wasm'), 'wasm ' + args[0]);
console.log(`parity: golden lesson (train2d ${STEPS} steps, sample2d, diagnose2d) native ${seconds.native.toFixed(1)} s, ` +
            `wasm (node) ${seconds.wasm.toFixed(1)} s`);

let failed = 0;
for (const name of ['train', 'sample', 'diagnose']) {
  const a = join(out, 'native', name + '.json'), b = join(out, 'wasm', name + '.json');
  const args = ['compare', a, b, ...TOLS];
  const r = spawnSync(nativeExe, args, { encoding: 'utf8' });
  console.log(`---- ${name}: wgflab ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) failed++;
}

// The compare round trip must also fail when it should: one loss off by 1%.
const bad = join(out, 'wasm', 'train-perturbed.json');
const doc = JSON.parse(readFileSync(join(out, 'wasm', 'train.json'), 'utf8'));
doc.metrics.final_loss *= 1.01;
writeFileSync(bad, JSON.stringify(doc, null, 1));
const neg = spawnSync(nativeExe, ['compare', join(out, 'native', 'train.json'), bad, ...TOLS], { encoding: 'utf8' });
if (neg.status !== 3) {
  console.error(`parity: compare accepted a 1% change of metrics.final_loss (exit ${neg.status}):\n${neg.stdout}${neg.stderr}`);
  failed++;
} else {
  console.log('parity: compare rejects a 1% change of metrics.final_loss (exit 3), as it should');
}
if (failed) {
  console.error(`parity: ${failed} check(s) failed`);
  process.exit(1);
}
console.log('parity: native and WebAssembly agree within the stated tolerances');

// Debian's Chromium driven by playwright-core (web/node_modules, installed by scripts/setup.sh
// with `npm ci`; never a browser download). Headless with SwiftShader, so WebGL 2 works on a
// machine without a GPU; no network besides the local server (TOOLCHAIN.md "Browser tests").
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const chromiumPath = process.env.WGF_CHROMIUM || '/usr/bin/chromium';

export function loadPlaywright() {
  const modules = resolve(repoRoot, 'web/node_modules');
  if (!existsSync(resolve(modules, 'playwright-core/package.json')))
    throw new Error(`playwright-core is not installed in ${modules}: run scripts/setup.sh (it runs npm ci in web/)`);
  return createRequire(resolve(modules, 'x.js'))('playwright-core');
}

export async function launchChromium() {
  if (!existsSync(chromiumPath))
    throw new Error(`${chromiumPath} not found: apt-get install chromium (scripts/setup.sh does), or set WGF_CHROMIUM`);
  const { chromium } = loadPlaywright();
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
    ],
  });
}

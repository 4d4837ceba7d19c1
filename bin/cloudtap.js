#!/usr/bin/env node
// The CLI runs as the JavaScript `npm run build` bundles into dist/ (`npm ci` builds it, in `prepare`): no
// TypeScript compiler at start-up, and nothing but runtime dependencies needed. From the sources: `npm run dev --`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cloudtap.mjs', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  console.error('cloudtap: the CLI is not built (dist/cloudtap.mjs is missing): run `npm run build` in the cloudtap folder (npm ci runs it for you), then try again.');
  process.exitCode = 1;
}

#!/usr/bin/env node
// `npm run dev -- <command> …` and the tests: the CLI straight from its TypeScript sources (tsx compiles them
// on the fly), so they never run a stale dist/. The worker threads the CLI starts are plain JavaScript and
// run without tsx, as they do from dist/.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');

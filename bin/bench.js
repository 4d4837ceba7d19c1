#!/usr/bin/env node
// The bench is TypeScript; tsx compiles it on the fly, as for the CLI (bin/cloudtap.js).
import { register } from 'tsx/esm/api';
register();
await import('../bench/main.ts');

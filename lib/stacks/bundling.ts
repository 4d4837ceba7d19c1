/**
 * esbuild's ESM output has no `require`; bundled CommonJS dependencies (the AWS SDK's) need one for Node
 * built-ins. The stack's bundles and the benchmark's cold-start bundles start with this same line.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as cloudtapCreateRequire } from 'node:module'; const require = cloudtapCreateRequire(import.meta.url);";

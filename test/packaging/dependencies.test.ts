import { describe, it, expect } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The code that runs in the CLI or in the Lambdas; lib/stacks and bin/app.ts only deploy, bench/ and test/ only measure. */
const RUNTIME = ['cli', 'src', 'local', 'lambdas', 'lib/workflow', 'bin/cloudtap.js'];
/** Packages that only build, deploy or develop: never needed once the CLI is built. */
const DEVELOPMENT_ONLY = ['aws-cdk-lib', 'constructs', 'esbuild', 'aws-cdk', 'cdk-nag', 'tsx', 'typescript'];

interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

interface Import {
  file: string;
  specifier: string;
  /** Erased by the compiler (`import type`, `export type`, `import('x').T`): needed to type-check, not to run. */
  typeOnly: boolean;
}

async function sourceFiles(path: string): Promise<string[]> {
  const full = join(ROOT, path);
  if (/\.(ts|mts|js|mjs)$/.test(path)) return [full];
  const entries = await readdir(full, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')).map((e) => join(e.parentPath, e.name));
}

/** Every module specifier a file names, by TypeScript's own parser. */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (node: ts.Node | undefined, typeOnly: boolean) => {
    if (node && ts.isStringLiteral(node)) found.push({ file: relative(ROOT, file), specifier: node.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]) as string;
}

const isPackage = (specifier: string) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier.split('/')[0] as string);

async function runtimeImports(): Promise<Import[]> {
  const files = (await Promise.all(RUNTIME.map(sourceFiles))).flat();
  const all = await Promise.all(files.map(async (file) => importsOf(file, await readFile(file, 'utf8'))));
  return all.flat().filter((i) => isPackage(i.specifier));
}

describe('package.json declares what the code imports', () => {
  it('every package the runtime code imports is a dependency (what npm prune --omit=dev keeps)', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    const imports = await runtimeImports();
    // The walk sees the SDK clients the collector uses, or it would prove nothing.
    expect(imports.some((i) => i.specifier === '@aws-sdk/client-ec2' && !i.typeOnly)).toBe(true);
    const undeclared = imports
      .filter((i) => !i.typeOnly && !(packageName(i.specifier) in manifest.dependencies))
      .map((i) => `${i.specifier} (${i.file}${packageName(i.specifier) in manifest.devDependencies ? ', a devDependency' : ''})`);
    expect([...new Set(undeclared)]).toEqual([]);
  });

  it('a type-only import names a declared package, or its @types/ package', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    const declared = { ...manifest.dependencies, ...manifest.devDependencies };
    const typesPackage = (name: string) => `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
    const undeclared = (await runtimeImports())
      .filter((i) => i.typeOnly && !(packageName(i.specifier) in declared) && !(typesPackage(packageName(i.specifier)) in declared))
      .map((i) => `${i.specifier} (${i.file})`);
    expect([...new Set(undeclared)]).toEqual([]);
  });

  it('build, deploy and development tools are devDependencies, never installed for running', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    expect(DEVELOPMENT_ONLY.filter((name) => name in manifest.dependencies)).toEqual([]);
    expect(DEVELOPMENT_ONLY.filter((name) => !(name in manifest.devDependencies))).toEqual([]);
  });
});

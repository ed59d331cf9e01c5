#!/usr/bin/env node
// `node tools/generate-client.mjs [--check]`
//
// Regenerates the typed fetch clients in libs/api-client/src/generated/ from the committed OpenAPI
// documents with @hey-api/openapi-ts:
//   api        <- apps/api/openapi.json                 (the inference api)
//   generator  <- libs/api-client/generator-openapi.json (the metrics generator)
// Both documents are written from code: `npm run openapi` runs each daemon with `--openapi <file>`.
// Output is formatted with the workspace's prettier config so it is byte-stable, then copied into
// place. `--check` writes nothing and exits 1 when the committed files differ from what the documents
// generate (CI drift check).
//
// One client runtime for both: the fetch client and its core helpers (the same files for every
// document) are written once to generated/runtime/ from a bundled generation. Each client is then
// generated with the client plugin's `bundle: false`, which makes its sdk.gen.ts and client.gen.ts
// import the runtime from the `@hey-api/client-fetch` package; we are not installing that package,
// so that one import specifier is rewritten to the relative path of generated/runtime/client.
//
// One normalisation before generating: in OpenAPI 3.0.3 an enum restricts the value even when
// `nullable: true`, so a nullable enum must list null to allow it. @nestjs/swagger writes
// `{ enum: [...], nullable: true }` without it (e.g. ServerRiskDto.driver, profile) and the daemons
// do send null there; we add null to such enums so the generated types say `| null`.
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const libDir = join(root, 'libs', 'api-client');
const generatedDir = join(libDir, 'src', 'generated');

const CLIENTS = [
  { name: 'api', input: join(root, 'apps', 'api', 'openapi.json') },
  { name: 'generator', input: join(libDir, 'generator-openapi.json') },
];
/** The shared client runtime, generated/runtime/{client,core}. */
const RUNTIME = 'runtime';
/** What `bundle: false` imports the runtime from, and what each client imports instead. */
const RUNTIME_PACKAGE = '@hey-api/client-fetch';
const RUNTIME_IMPORT = `../${RUNTIME}/client`;

const args = process.argv.slice(2);
const check = args.includes('--check');
if (args.some((a) => a !== '--check')) {
  console.error('usage: node tools/generate-client.mjs [--check]');
  process.exit(2);
}

const { createClient } = await import('@hey-api/openapi-ts');
const prettier = await import('prettier');

const scratch = await mkdtemp(join(tmpdir(), 'api-client-'));
try {
  /** @type {Map<string, string>} path relative to generatedDir -> content */
  const expected = new Map();
  const documents = await Promise.all(CLIENTS.map(async ({ input }) => addNullToNullableEnums(JSON.parse(await readFile(input, 'utf8')))));

  // The runtime does not depend on the document: take client/ and core/ of one bundled generation.
  const bundled = join(scratch, RUNTIME);
  await generate(documents[0], bundled, { bundle: true });
  for (const file of await listFiles(bundled)) {
    if (/^(client|core)\//.test(file)) {
      await collect(expected, join(RUNTIME, file), join(bundled, file));
    }
  }

  for (const [i, { name }] of CLIENTS.entries()) {
    const out = join(scratch, name);
    await generate(documents[i], out, { bundle: false });
    for (const file of await listFiles(out)) {
      await collect(expected, join(name, file), join(out, file), (source) => {
        const local = source.replaceAll(`'${RUNTIME_PACKAGE}'`, `'${RUNTIME_IMPORT}'`);
        if (local.includes(RUNTIME_PACKAGE)) {
          throw new Error(`${name}/${file}: unexpected ${RUNTIME_PACKAGE} import`);
        }
        return local;
      });
    }
  }

  const committed = new Map();
  for (const file of await listFiles(generatedDir)) {
    committed.set(file, await readFile(join(generatedDir, file), 'utf8'));
  }

  const drift = [];
  for (const [file, content] of expected) {
    if (!committed.has(file)) drift.push(`missing: ${file}`);
    else if (committed.get(file) !== content) drift.push(`differs: ${file}`);
  }
  for (const file of committed.keys()) {
    if (!expected.has(file)) drift.push(`stale:   ${file}`);
  }

  const where = relative(root, generatedDir);
  if (check) {
    if (drift.length > 0) {
      console.error(
        `${where} is out of date with its OpenAPI documents:\n  ${drift.join('\n  ')}\n` +
          'Run `node tools/generate-client.mjs` and commit the result.',
      );
      process.exitCode = 1;
    } else {
      console.log(`${where} matches its OpenAPI documents (${expected.size} files)`);
    }
  } else {
    await rm(generatedDir, { recursive: true, force: true });
    for (const [file, content] of expected) {
      await mkdir(dirname(join(generatedDir, file)), { recursive: true });
      await writeFile(join(generatedDir, file), content);
    }
    console.log(
      drift.length > 0
        ? `${where}: regenerated ${expected.size} files (${drift.length} changed)`
        : `${where}: up to date (${expected.size} files)`,
    );
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

async function generate(document, out, { bundle }) {
  await createClient({
    input: structuredClone(document), // the parser may write into it
    output: { path: out, clean: true },
    logs: { level: 'silent' },
    plugins: [
      // Fetch-based: runs in the browser and in Node 18+; base URL set at runtime via setConfig().
      { name: RUNTIME_PACKAGE, bundle },
      '@hey-api/typescript',
      '@hey-api/sdk',
    ],
  });
}

/** Formats a generated file as prettier would at its committed place and records it. */
async function collect(expected, file, from, edit = (source) => source) {
  const target = join(generatedDir, file);
  const options = (await prettier.resolveConfig(target)) ?? {};
  const source = edit(await readFile(from, 'utf8'));
  expected.set(file, await prettier.format(source, { ...options, filepath: target }));
}

/** Adds null to every `enum` of a schema marked `nullable: true` (OpenAPI 3.0.3 semantics). */
function addNullToNullableEnums(node) {
  if (Array.isArray(node)) {
    node.forEach(addNullToNullableEnums);
  } else if (node && typeof node === 'object') {
    if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) {
      node.enum = [...node.enum, null];
    }
    Object.values(node).forEach(addNullToNullableEnums);
  }
  return node;
}

async function listFiles(dir) {
  const files = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if (error.code === 'ENOENT') return files;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isFile()) {
      files.push(relative(dir, join(entry.parentPath, entry.name)));
    }
  }
  return files.sort();
}

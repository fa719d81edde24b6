import fs from 'node:fs';
import path from 'node:path';

/**
 * The installation root (where package.json is): relative settings and shipped data (schemas/,
 * reference/, data/) resolve from here, whether the hub runs from the sources (tsx) or from the
 * compiled build in dist/.
 */
function installationRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

export const REPO_ROOT = installationRoot(__dirname);

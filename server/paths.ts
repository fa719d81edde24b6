import path from 'node:path';

/** The repository (or installed package) root: relative settings and shipped data resolve from here. */
export const REPO_ROOT = path.resolve(__dirname, '..');

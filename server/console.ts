/**
 * The web console: static ES modules from console/ (no build step) and cytoscape's ES module from
 * node_modules, under /console/. Same-origin scripts only, so helmet's CSP stays as strict as for
 * the API (no inline script, no CDN). The console holds no rights of its own: it calls the API
 * with the analyst's token.
 */
import path from 'node:path';
import express, { Router } from 'express';
import { REPO_ROOT } from './paths';

export function consoleRouter(): Router {
  const r = Router();
  const files = { index: 'index.html', fallthrough: true, redirect: true, dotfiles: 'ignore' as const };
  // cytoscape's `exports` hide its package.json from require.resolve: the installation's copy.
  r.use('/console/vendor', express.static(path.join(REPO_ROOT, 'node_modules', 'cytoscape', 'dist'), { index: false, fallthrough: true }));
  r.use('/console', express.static(path.join(REPO_ROOT, 'console'), files));
  return r;
}

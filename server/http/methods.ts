/**
 * 405 for a method that a path of the hub does not take (RFC 9110 §15.5.6), with `Allow`.
 * The methods come from the routes themselves (the app's router, and the routers mounted on it),
 * so they cannot drift from what is served. Express would otherwise fall through to 404.
 */
import type { Express, RequestHandler } from 'express';
import { MethodNotAllowed } from '../errors';

/** The parts of Express 5's router layers read here. */
interface Layer {
  route?: { methods: Record<string, boolean | undefined> };
  handle?: { stack?: Layer[] };
  match(path: string): boolean;
}

function methodsAt(stack: readonly Layer[], path: string, into: Set<string>): Set<string> {
  for (const layer of stack) {
    if (layer.route) {
      if (!layer.match(path)) continue;
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') into.add(m.toUpperCase());
    } else if (layer.handle?.stack && layer.match(path)) {
      methodsAt(layer.handle.stack, path, into); // a router mounted at the root
    }
  }
  return into;
}

/** Mount after every route and before the 404: only requests that no route answered reach it. */
export function methodNotAllowed(app: Express): RequestHandler {
  return (req, _res, next) => {
    const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
    const allowed = methodsAt(stack, req.path, new Set());
    if (allowed.has('GET')) allowed.add('HEAD'); // Express answers HEAD with the GET route
    // No route at this path, or one that took the method and passed (e.g. /metrics off loopback): 404.
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    const list = [...allowed].sort();
    next(new MethodNotAllowed(`${req.method.slice(0, 16)} is not allowed on ${req.path.slice(0, 200)}; it takes ${list.join(', ')}.`, list));
  };
}

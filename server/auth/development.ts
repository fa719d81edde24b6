/**
 * The development principal: used only when no JWKS is configured and the hub listens on
 * loopback. It is plainly marked (development: true, a warning at start-up and the header
 * `X-Puente-Development-Principal` on every answer) and holds every role in every group.
 */
import type { RequestHandler } from 'express';
import type { Principal, Role } from './principal';

export const DEVELOPMENT_ORGANISATION = 'identity--00000000-0000-4000-8000-00000000de00';

export function developmentPrincipal(groups: readonly string[]): Principal {
  const all: Role[] = ['reader', 'writer', 'admin'];
  return {
    subject: 'development',
    organisation: DEVELOPMENT_ORGANISATION,
    roles: Object.fromEntries(groups.map((g) => [g, all])),
    development: true,
  };
}

export function developmentAuthenticate(groups: () => readonly string[]): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Puente-Development-Principal', 'true');
    res.locals.principal = developmentPrincipal(groups());
    next();
  };
}

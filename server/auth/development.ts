/**
 * The development principal: used only when no JWKS is configured and the hub listens on
 * loopback. It is plainly marked (development: true, a warning at start-up and the header
 * `X-Puente-Development-Principal` on every answer) and holds every role in every group.
 */
import type { RequestHandler } from 'express';
import { isLoopbackPeer } from '../names';
import { Unauthenticated } from '../errors';
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


/** Only for callers on this machine: anyone else gets a 401, as without a token. */
export function developmentAuthenticate(groups: () => Promise<readonly string[]>): RequestHandler {
  return async (req, res, next) => {
    if (!isLoopbackPeer(req.socket.remoteAddress) || req.get('x-forwarded-for') !== undefined) {
      throw new Unauthenticated('missing_token', 'This hub runs without PUENTE_JWKS_PATH and answers only callers on its own machine.');
    }
    res.setHeader('X-Puente-Development-Principal', 'true');
    res.locals.principal = developmentPrincipal(await groups());
    next();
  };
}

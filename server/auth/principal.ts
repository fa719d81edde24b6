/** Who is calling. Built only from a verified token (or the marked development principal). */
export type Role = 'reader' | 'writer' | 'feed' | 'admin';

export const ROLES: readonly Role[] = ['reader', 'writer', 'feed', 'admin'];

/** Token `kind`: a CERT as a whole, a person, or an automated (pull-only) feed. */
export type PrincipalKind = 'cert' | 'person' | 'feed';

export const PRINCIPAL_KINDS: readonly PrincipalKind[] = ['cert', 'person', 'feed'];

export interface Principal {
  /** Token `sub`: a CERT, a person or an automated feed. */
  subject: string;
  /** STIX identity id of the caller's organisation (`identity--<uuid>`). */
  organisation: string;
  /** Roles per trust group (API root name). Read it through `memberOf`/`rolesIn`, never by indexing. */
  roles: Readonly<Record<string, readonly Role[]>>;
  /** Token `jti`, when the principal came from a token. */
  tokenId?: string;
  /** True only for the built-in development principal; never true for a verified token. */
  development?: boolean;
  /** Token `kind`, when the principal came from a token. */
  kind?: PrincipalKind;
}

export { GROUP_NAME, IDENTITY_ID } from '../names';

/**
 * STIX 2.1 object validation: the public surface the TAXII server and the CLI use.
 * Create one validator at start-up (it compiles every schema), then call it per request.
 */
export type { Finding } from './findings';
export type { ValidationLimits } from './bounds';
export { checkBounds, DEFAULT_LIMITS, LIMIT_SETTINGS } from './bounds';
export type { ObjectVerdict, ValidatorOptions, Validator } from './validator';
export { createValidator } from './validator';

/**
 * MongoDB driver errors that mean "the database is not there" become Unavailable (503 at the
 * HTTP edge, a retry for jobs); every other error passes through. Applied once, to every
 * repository method, by `guarded`.
 */
import { Unavailable } from '../../errors';

const UNREACHABLE = new Set([
  'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoServerSelectionError', 'MongoNotConnectedError',
  'MongoTopologyClosedError', 'MongoPoolClosedError', 'MongoServerClosedError',
]);
// ShutdownInProgress, InterruptedAtShutdown, PrimarySteppedDown, NotWritablePrimary, NotPrimaryNoSecondaryOk, HostUnreachable.
const UNREACHABLE_CODES = new Set([91, 11600, 189, 10107, 13435, 6]);

export function isUnavailable(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return !!e && typeof e === 'object' && (UNREACHABLE.has(String(e.name)) || UNREACHABLE_CODES.has(Number(e.code)));
}

function mapped(err: unknown): unknown {
  if (!isUnavailable(err)) return err;
  const u = new Unavailable('The database cannot be reached.');
  Object.defineProperty(u, 'cause', { value: err, enumerable: false });
  return u;
}

/** The same object, with every method's failures mapped (sync throws and rejected promises). */
export function guarded<T extends object>(target: T): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const out = (value as (...a: unknown[]) => unknown).apply(t, args);
          return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(mapped(err))) : out;
        } catch (err) {
          throw mapped(err);
        }
      };
    },
  });
}

/** What every source kind's page function takes and returns (sources.ts dispatches, misp.ts is one kind). */
import type { FeedCursor, SubscriptionDoc } from '../storage/feeds';
import type { RetryPolicy } from './http';

export interface SourcePage {
  objects: unknown[];
  cursor: FeedCursor;
  /** No further page now. */
  done: boolean;
  /** Something odd the remote did that the run record shows (more without next, an expired next). */
  note?: string;
}

export interface SourceContext {
  sub: SubscriptionDoc;
  retry: RetryPolicy;
  onRetry: (why: string) => void;
}

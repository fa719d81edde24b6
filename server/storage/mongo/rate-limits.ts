/**
 * Rate-limit counters on MongoDB (`rate_limits` of the admin database), shared by hub instances.
 * Each request claims the next number of its token's window by inserting `<key>|<window>|<n>`
 * into the unique `_id` index: atomic on MongoDB and on FerretDB alike (a `$inc` through
 * findAndModify is not atomic on FerretDB). The process remembers the last number it saw, so a
 * claim is one insert; on a duplicate (another instance took that number) it reads the highest
 * number of the window (index `key_win_n`) and claims the next one.
 */
import type { Collection, Db } from 'mongodb';
import type { RateLimitRepository } from '../contract';
import { ensureIndexes } from './indexes';

interface CounterDoc {
  _id: string;
  key: string;
  win: number;
  n: number;
}

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;
/** More claims lost in a row than instances could plausibly race: give up loudly. */
const MAX_ATTEMPTS = 100;

export class MongoRateLimits implements RateLimitRepository {
  private readonly c: Collection<CounterDoc>;
  private readonly last = new Map<string, number>();
  private indexed: Promise<void> | undefined;

  constructor(db: Db) {
    this.c = db.collection<CounterDoc>('rate_limits');
  }

  private async highest(key: string, win: number): Promise<number> {
    const top = await this.c.find({ key, win }, { projection: { n: 1 } }).sort({ n: -1 }).limit(1).next();
    return top?.n ?? 0;
  }

  async hit(key: string, win: number): Promise<number> {
    this.indexed ??= ensureIndexes(this.c as unknown as Collection, [{ key: { key: 1, win: 1, n: -1 }, name: 'key_win_n' }]).catch((err: unknown) => {
      this.indexed = undefined;
      throw err;
    });
    await this.indexed;
    const slot = `${key}|${win}`;
    let n = (this.last.get(slot) ?? (await this.highest(key, win))) + 1;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.c.insertOne({ _id: `${slot}|${n}`, key, win, n });
        this.last.set(slot, n);
        return n;
      } catch (err) {
        if (!isDuplicate(err)) throw err;
        n = (await this.highest(key, win)) + 1;
      }
    }
    throw new Error(`rate limit: could not claim a request number for ${key} in ${MAX_ATTEMPTS} attempts`);
  }

  async prune(win: number): Promise<void> {
    for (const slot of this.last.keys()) if (Number(slot.slice(slot.lastIndexOf('|') + 1)) < win) this.last.delete(slot);
    await this.c.deleteMany({ win: { $lt: win } });
  }
}

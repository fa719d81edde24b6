/**
 * Audit of writes, deletes, releases (written before the request is answered) and token use
 * (buffered and flushed every second, and at shutdown: a crash can lose at most the last second
 * of token-use entries, never a write's entry).
 */
import type { RequestHandler } from 'express';
import type { Principal } from '../auth/principal';
import { memberOf } from '../auth/permissions';
import type { Logger } from '../logger';
import type { AuditEventName } from '../storage/audit';
import type { TrustGroups } from '../storage/trust-groups';

/** Token uses kept per group while the database is away; the oldest beyond this are dropped. */
const MAX_BUFFERED = 100_000;

export class AuditLog {
  private buffer = new Map<string, { p: Principal; method: string; path: string; status: number }[]>();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly groups: TrustGroups,
    private readonly log: Logger,
    flushMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  async record(group: string, p: Principal, event: AuditEventName, details: Record<string, unknown>): Promise<void> {
    const g = await this.groups.get(group);
    if (!g) return;
    await g.audit.append([{ event, subject: p.subject, organisation: p.organisation, tokenId: p.tokenId, details }]);
  }

  /** Express middleware (after authenticate): remembers each token use in the group it addressed. */
  tokenUse(): RequestHandler {
    return (req, res, next) => {
      res.on('finish', () => {
        const p = res.locals.principal as Principal | undefined;
        if (!p) return;
        const root = req.path.split('/')[1] ?? '';
        if (!memberOf(p, root)) return;
        const list = this.buffer.get(root) ?? [];
        // The route, not the path: object ids in paths would tell admins what others looked at.
        const route = req.route?.path ? `${req.baseUrl}${req.route.path as string}` : '(unmatched)';
        list.push({ p, method: req.method, path: route, status: res.statusCode });
        this.buffer.set(root, list);
      });
      next();
    };
  }

  async flush(): Promise<void> {
    const pending = this.buffer;
    this.buffer = new Map();
    for (const [group, uses] of pending) {
      try {
        const g = await this.groups.get(group);
        if (!g) continue;
        await g.audit.append(
          uses.map((u) => ({
            event: 'token.used' as const,
            subject: u.p.subject,
            organisation: u.p.organisation,
            tokenId: u.p.tokenId,
            details: { method: u.method, path: u.path, status: u.status },
          })),
        );
      } catch (err) {
        // Kept for the next flush (the database may be back by then), up to a bound.
        const again = [...uses, ...(this.buffer.get(group) ?? [])].slice(-MAX_BUFFERED);
        this.buffer.set(group, again);
        this.log.error({ err, group, count: uses.length }, 'audit.flush_failed');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

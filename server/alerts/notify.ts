/**
 * Notifications of new correlation alerts at or above a severity: a JSON POST to a webhook and/or
 * an e-mail (nodemailer over SMTP). Each alert is claimed first (a unique insert), so with
 * several hub instances it goes out once. A restricted (AMBER/RED) alert is announced by id,
 * severity, rule and TLP only: its name and explanation stay in the hub. Failures are logged,
 * never thrown: correlation does not stop for a mail server.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../logger';
import type { ObjectDoc } from '../storage/objects';
import type { TrustGroups } from '../storage/trust-groups';
import { SEVERITIES, type Severity } from './workflow';

export interface NotifierDeps {
  groups: TrustGroups;
  log: Logger;
  minSeverity: Severity;
  webhookUrl?: string;
  smtpUrl?: string;
  emailTo: readonly string[];
  emailFrom: string;
  publicUrl?: string;
}

export interface AlertNotice {
  group: string;
  id: string;
  severity: string;
  rule: string;
  tlp: string | null;
  date_added: string;
  name?: string;
  explanation?: string;
  link?: string;
}

export class AlertNotifier {
  private readonly mail?: Transporter;
  constructor(private readonly d: NotifierDeps) {
    if (d.smtpUrl && d.emailTo.length) this.mail = nodemailer.createTransport(d.smtpUrl);
  }

  get enabled(): boolean {
    return !!this.d.webhookUrl || !!this.mail;
  }

  async newAlerts(group: string, docs: ObjectDoc[]): Promise<void> {
    if (!this.enabled) return;
    const g = await this.d.groups.get(group);
    if (!g) return;
    for (const doc of docs) {
      const stix = JSON.parse(doc.raw) as Record<string, unknown>;
      const severity = String(stix.x_puente_severity ?? 'low');
      if (SEVERITIES.indexOf(severity as Severity) < SEVERITIES.indexOf(this.d.minSeverity)) continue;
      try {
        if (!(await g.alerts.claimNotification(doc.meta.id))) continue;
        const notice: AlertNotice = {
          group, id: doc.meta.id, severity, rule: String(stix.x_puente_rule ?? ''), tlp: doc.meta.tlp, date_added: doc.meta.added,
          ...(doc.meta.restricted ? {} : { name: String(stix.name ?? ''), explanation: String(stix.x_puente_explanation ?? '') }),
          ...(this.d.publicUrl ? { link: `${this.d.publicUrl.replace(/\/$/, '')}/console/#/alert/${group}/${doc.meta.id}` } : {}),
        };
        await Promise.all([this.webhook(notice), this.email(notice)]);
        this.d.log.info({ group, alert: doc.meta.id, severity }, 'alerts.notified');
      } catch (err) {
        this.d.log.warn({ group, alert: doc.meta.id, err: (err as Error).message }, 'alerts.notify_failed');
      }
    }
  }

  private async webhook(n: AlertNotice): Promise<void> {
    if (!this.d.webhookUrl) return;
    const res = await fetch(this.d.webhookUrl, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ event: 'alert.new', alert: n }), signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }

  private async email(n: AlertNotice): Promise<void> {
    if (!this.mail) return;
    const lines = [
      `A new ${n.severity.toUpperCase()} alert in trust group ${n.group}.`, '',
      `Alert: ${n.id}`, `Rule: ${n.rule}`, `TLP: ${n.tlp ?? 'none'}`, `Added: ${n.date_added}`,
      ...(n.name ? ['', n.name, n.explanation ?? ''] : ['', 'Restricted alert: read it in the hub.']),
      ...(n.link ? ['', n.link] : []),
    ];
    await this.mail.sendMail({
      from: this.d.emailFrom, to: [...this.d.emailTo], subject: `[Puente ${n.severity}] ${n.group}: ${n.rule} alert`, text: lines.join('\n'),
    });
  }

  close(): void {
    this.mail?.close();
  }
}

// The alert channels, each optional: a signed JSON webhook (Standard Webhooks, signed with svix so receivers
// verify with `new Webhook(secret).verify(body, headers)`), a Slack incoming webhook, and email (nodemailer).
// A channel's send() resolves when the receiver took the alert and throws (with a reason) when it did not.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'svix';
import nodemailer from 'nodemailer';
import type { AlertBody, AlertChannelName } from '../../contract.ts';
import type { AlertChannelsConfig } from '../../config.ts';

export interface AlertChannel {
  name: AlertChannelName;
  /** where it sends, without secrets (shown on the Admin page) */
  target: string;
  send(body: AlertBody): Promise<void>;
  close?(): void;
}

const SEND_TIMEOUT_MS = 10_000;

/** A receiver that did not take the alert; `retry: false` for answers a retry cannot change. */
export class AlertSendError extends Error {
  constructor(
    message: string,
    public readonly retry = true,
  ) {
    super(message);
    this.name = 'AlertSendError';
  }
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new AlertSendError(
      timedOut
        ? `no answer within ${SEND_TIMEOUT_MS / 1000} s`
        : `unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    // 4xx other than 408/429 means the request itself is wrong (a revoked Slack hook, a bad URL): retrying won't help.
    const retry = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new AlertSendError(`answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, retry);
  }
}

const hostOf = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : '/…'}`;
};

export function webhookChannel(cfg: { url: string; secret: string }): AlertChannel {
  const signer = new Webhook(cfg.secret);
  return {
    name: 'webhook',
    target: hostOf(cfg.url),
    async send(alert) {
      const body = JSON.stringify(alert);
      const id = `msg_${randomUUID().replaceAll('-', '')}`;
      const now = new Date();
      // Standard Webhooks header names; svix's verify() accepts them as well as its own svix-* names.
      await post(cfg.url, body, {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signer.sign(id, now, body),
        'user-agent': 'clerk-sync-monitor-alerts',
      });
    },
  };
}

const EMOJI: Record<AlertBody['type'], string> = {
  'incident.opened': ':rotating_light:',
  'incident.reminder': ':hourglass:',
  'incident.resolved': ':white_check_mark:',
  'incident.test': ':wave:',
};

export function alertHeadline(alert: AlertBody): string {
  const i = alert.incident;
  switch (alert.type) {
    case 'incident.opened':
      return `Incident opened: ${i.title}`;
    case 'incident.reminder':
      return `Still open: ${i.title}`;
    case 'incident.resolved':
      return `Resolved: ${i.title}`;
    case 'incident.test':
      return 'Test alert from Clerk Sync Monitor';
  }
}

export function alertText(alert: AlertBody): string {
  const i = alert.incident;
  return [
    alertHeadline(alert),
    '',
    `Cause: ${i.cause}`,
    `State: ${i.state} · ${i.count} failure(s) · first seen ${i.firstSeenAt} · last seen ${i.lastSeenAt}`,
    `Affected: ${i.affected.events} event(s), ${i.affected.deliveries} deliveries, ${i.affected.users} user(s)${i.quarantined ? ` · ${i.quarantined} quarantined` : ''}`,
    ...(i.resolvedAt ? [`Resolved at ${i.resolvedAt}`] : []),
    '',
    `Incident ${i.id}: ${i.url}`,
    `Monitor: ${alert.monitor}`,
  ].join('\n');
}

/** Slack's mrkdwn needs &, < and > escaped in text that is not a link. */
const slackEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function slackChannel(cfg: { url: string }): AlertChannel {
  return {
    name: 'slack',
    target: hostOf(cfg.url),
    async send(alert) {
      const i = alert.incident;
      const headline = `${EMOJI[alert.type]} ${slackEscape(alertHeadline(alert))}`;
      const body = {
        text: `${headline} — ${i.url}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*${headline}*\n${slackEscape(i.cause)}` } },
          {
            type: 'context',
            elements: [
              {
                type: 'mrkdwn',
                text: `${i.state} · ${i.count} failure(s) · ${i.affected.events} event(s) · last seen ${i.lastSeenAt}`,
              },
            ],
          },
          {
            type: 'section',
            text: { type: 'mrkdwn', text: `<${i.url}|Open incident ${i.id}> on ${slackEscape(alert.monitor)}` },
          },
        ],
      };
      await post(cfg.url, JSON.stringify(body), {});
    },
  };
}

export function emailChannel(cfg: { smtpUrl: string; from: string; to: string[] }): AlertChannel {
  // The URL's own query (e.g. ?ignoreTLS=true) still applies; the timeouts keep a dead server from holding retries.
  const url = new URL(cfg.smtpUrl);
  for (const [k, v] of Object.entries({
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  })) {
    if (!url.searchParams.has(k)) url.searchParams.set(k, String(v));
  }
  const transport = nodemailer.createTransport(url.toString());
  const server = new URL(cfg.smtpUrl);
  return {
    name: 'email',
    target: `${cfg.to.join(', ')} via ${server.hostname}${server.port ? `:${server.port}` : ''}`,
    async send(alert) {
      try {
        await transport.sendMail({
          from: cfg.from,
          to: cfg.to,
          subject: `[Clerk Sync Monitor] ${alertHeadline(alert)}`,
          text: alertText(alert),
          headers: { 'X-Incident-Id': alert.incident.id },
        });
      } catch (err) {
        const e = err as { code?: string; responseCode?: number; message?: string };
        // 5xx SMTP replies are permanent (a refused address); connection problems and 4xx are worth a retry.
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
        throw new AlertSendError(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`.slice(0, 300), !permanent);
      }
    },
    close: () => transport.close(),
  };
}

/** The channels the configuration names, in a fixed order. */
export function channelsFromConfig(cfg: AlertChannelsConfig): AlertChannel[] {
  return [
    ...(cfg.webhook ? [webhookChannel(cfg.webhook)] : []),
    ...(cfg.slack ? [slackChannel(cfg.slack)] : []),
    ...(cfg.email ? [emailChannel(cfg.email)] : []),
  ];
}

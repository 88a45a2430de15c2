// Sends one alert to every channel, each retried with exponential backoff on its own (a slow or failing channel
// delays no other), and reports per channel what happened: sent, or failed and why, after how many attempts.
import pRetry, { AbortError } from 'p-retry';
import type { AlertBody, AlertChannelName, AlertKind } from '../../contract.ts';
import type { Logger } from '../../lib/logger.ts';
import { AlertSendError, type AlertChannel } from './channels.ts';

export interface RetryOptions {
  /** retries after the first attempt (default 4: 5 attempts) */
  retries: number;
  /** first wait; doubles each retry (default 1 s: 1, 2, 4, 8 s, about 15 s in all) */
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export const DEFAULT_ALERT_RETRY: RetryOptions = { retries: 4, minTimeoutMs: 1_000, maxTimeoutMs: 30_000 };

export interface AlertOutcome {
  incidentId: string | null;
  channel: AlertChannelName;
  kind: AlertKind;
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  at: Date;
}

export function createDispatcher(deps: {
  channels: AlertChannel[];
  retry: RetryOptions;
  logger: Logger;
  onOutcome: (o: AlertOutcome) => void;
}) {
  const inFlight = new Set<Promise<unknown>>();

  async function sendOne(
    channel: AlertChannel,
    kind: AlertKind,
    body: AlertBody,
    incidentId: string | null,
  ): Promise<AlertOutcome> {
    let attempts = 0;
    let outcome: AlertOutcome;
    try {
      await pRetry(
        async () => {
          attempts++;
          try {
            await channel.send(body);
          } catch (err) {
            if (err instanceof AlertSendError && !err.retry) throw new AbortError(err.message);
            throw err instanceof Error ? err : new Error(String(err));
          }
        },
        {
          retries: deps.retry.retries,
          minTimeout: deps.retry.minTimeoutMs,
          maxTimeout: deps.retry.maxTimeoutMs,
          factor: 2,
          randomize: true,
        },
      );
      outcome = { incidentId, channel: channel.name, kind, status: 'sent', attempts, error: null, at: new Date() };
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
      deps.logger.warn(
        { channel: channel.name, incident: body.incident.id, kind, attempts, err: message },
        'alert could not be delivered',
      );
      outcome = { incidentId, channel: channel.name, kind, status: 'failed', attempts, error: message, at: new Date() };
    }
    deps.onOutcome(outcome);
    return outcome;
  }

  return {
    channels: deps.channels,

    /**
     * Starts sending to every channel (or one); resolves with each channel's outcome once all are done.
     * `incidentId` is null for a test alert.
     */
    send(
      kind: AlertKind,
      body: AlertBody,
      incidentId: string | null,
      only?: AlertChannelName,
    ): Promise<AlertOutcome[]> {
      const targets = deps.channels.filter((c) => !only || c.name === only);
      const all = Promise.all(targets.map((c) => sendOne(c, kind, body, incidentId)));
      inFlight.add(all);
      void all.finally(() => inFlight.delete(all));
      return all;
    },

    /** Waits for alerts being sent or retried (shutdown, tests). */
    async settle(): Promise<void> {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },

    close() {
      for (const c of deps.channels) c.close?.();
    },
  };
}

export type AlertDispatcher = ReturnType<typeof createDispatcher>;

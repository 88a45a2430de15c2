// Prometheus metrics (prom-client) at GET /metrics. Fed by a Publisher (what the pipeline already
// announces after each commit), so measuring adds nothing to the webhook path itself.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Publisher } from '../realtime/publisher.ts';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'csm_process_' });

  const deliveries = new Counter({
    name: 'csm_webhook_deliveries_total',
    help: 'Requests to the webhook endpoint, by outcome (applied, stale, duplicate, not_projected, failed, rejected, unavailable) and HTTP status',
    labelNames: ['outcome', 'status'] as const,
    registers: [registry],
  });
  const ingestSeconds = new Histogram({
    name: 'csm_webhook_processing_seconds',
    help: 'From request arrival to the answer being ready (verify, store, apply), per delivery',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const events = new Counter({
    name: 'csm_events_total',
    help: 'Events stored, by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const clerkCalls = new Counter({
    name: 'csm_clerk_api_requests_total',
    help: "Answers from Clerk's Backend API by HTTP status (429 = rate limited)",
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const refusedUnlogged = new Counter({
    name: 'csm_webhook_refused_unlogged_total',
    help: 'Webhook requests refused without a delivery-log row: rate_limited (a source past its budget of refused requests), too_many_open (past its open requests)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const reconcileChecked = new Gauge({
    name: 'csm_reconcile_checked_users',
    help: 'Users compared by the current or last reconcile run',
    registers: [registry],
  });
  const reconcileProgress = new Gauge({
    name: 'csm_reconcile_progress_ratio',
    help: 'Progress of the current or last reconcile run (0..1)',
    registers: [registry],
  });
  const reconcileFound = new Gauge({
    name: 'csm_reconcile_found_users',
    help: 'Drift found by the current or last reconcile run, by class',
    labelNames: ['class'] as const,
    registers: [registry],
  });

  const observeRun = (r: Parameters<Publisher['reconcileProgress']>[0]) => {
    reconcileChecked.set(r.checked);
    if (r.progress !== null) reconcileProgress.set(r.progress);
    for (const [k, v] of Object.entries(r.found)) reconcileFound.set({ class: k }, v);
  };

  const publisher: Publisher = {
    eventReceived: (e) => events.inc({ type: e.type, outcome: e.outcome }),
    deliveryRecorded: (d) => {
      deliveries.inc({ outcome: d.outcome, status: String(d.httpStatus) });
      ingestSeconds.observe(d.durationMs / 1000);
    },
    userChanged: () => {},
    organizationChanged: () => {},
    resyncFinished: () => {},
    reconcileProgress: observeRun,
    reconcileFinished: observeRun,
    replayProgress: () => {},
    replayFinished: () => {},
  };

  return {
    registry,
    publisher,
    /** for the Clerk client's onResponse */
    clerkResponse: (status: number) => clerkCalls.inc({ status: String(status) }),
    /** for the webhook pipeline's onUnlogged */
    webhookRefusedUnlogged: (reason: string) => refusedUnlogged.inc({ reason }),
    /** gauges read at scrape time */
    gauge(name: string, help: string, read: () => number) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

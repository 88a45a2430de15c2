import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, newSecret, type TestServer } from '../test/harness.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';

describe('operations: metrics and request ids', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.close());

  it('counts deliveries by outcome and status, and times them, in Prometheus format', async () => {
    const u = makeUser();
    await s.deliver(makeEvent('user.created', u, u.updated_at), { svixId: 'msg_m1' });
    await s.deliver(makeEvent('user.created', u, u.updated_at), { svixId: 'msg_m1' });
    await s.deliver(makeEvent('user.created', u, u.updated_at), { secret: newSecret() });
    const res = await fetch(`${s.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('csm_webhook_deliveries_total{outcome="applied",status="200"} 1');
    expect(text).toContain('csm_webhook_deliveries_total{outcome="duplicate",status="200"} 1');
    expect(text).toContain('csm_webhook_deliveries_total{outcome="rejected",status="401"} 1');
    expect(text).toMatch(/csm_webhook_processing_seconds_count 3/);
    expect(text).toContain('csm_events_total{type="user.created",outcome="applied"} 1');
    expect(text).toMatch(/csm_ingest_queue_depth 0/);
    expect(text).toMatch(/csm_dashboards_connected 0/);
    expect(text).toMatch(/csm_process_/);
  });

  it('answers every request with a request id, keeping a sane one the caller sent', async () => {
    const own = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': 'trace-abc.1' } });
    expect(own.headers.get('x-request-id')).toBe('trace-abc.1');
    const fresh = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

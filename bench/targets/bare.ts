// The baseline: a bare Express endpoint answering 204, reading the body like the webhook route does.
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const app = express();
app.post(
  '/api/webhooks/clerk',
  express.raw({ type: () => true, limit: '1mb' }),
  (_req, res) => void res.status(204).end(),
);
const http = createServer(app);
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(http.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => http.close(() => process.exit(0)));

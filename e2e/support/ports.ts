// Where the e2e server and its emulator listen (loopback only). E2E_PORT_BASE moves all three, so two
// checkouts can run their journeys side by side.
const base = Number(process.env.E2E_PORT_BASE ?? 4310);

export const E2E = {
  serverUrl: `http://127.0.0.1:${base}`,
  emulatorUrl: `http://127.0.0.1:${base + 1}`,
  /** the e2e server's fault switch (storage outage) */
  faultsUrl: `http://127.0.0.1:${base + 2}`,
  admin: { email: 'admin@e2e.local', password: 'e2e-password-123' },
} as const;

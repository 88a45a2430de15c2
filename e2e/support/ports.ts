// Where the e2e server and its emulator listen (loopback only).
export const E2E = {
  serverUrl: 'http://127.0.0.1:4310',
  emulatorUrl: 'http://127.0.0.1:4311',
  /** the e2e server's fault switch (storage outage) */
  faultsUrl: 'http://127.0.0.1:4312',
  admin: { email: 'admin@e2e.local', password: 'e2e-password-123' },
} as const;

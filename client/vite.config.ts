import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv } from 'vite';
import react from '@vitejs/plugin-react';

const clientDir = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard imports from the server only the API contract and the socket contract; the alias names just
 * those two files, so any other server import fails to resolve. vitest.config.ts uses it for the client tests.
 */
export const contractAlias = [
  {
    find: /^@contract\/(contract\.ts|realtime\/contract\.ts)$/,
    replacement: fileURLToPath(new URL('../server/src/', import.meta.url)) + '$1',
  },
];

// The dashboard is served by Express in production (same origin, one port); in development Vite serves it
// with hot reload and forwards the API and the Socket.IO upgrade to the server.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, clientDir, '');
  const target = env.VITE_API_TARGET || 'http://127.0.0.1:3000';
  return {
    root: clientDir,
    plugins: [react()],
    resolve: { alias: contractAlias },
    build: {
      outDir: fileURLToPath(new URL('../dist/client', import.meta.url)),
      emptyOutDir: true,
      sourcemap: true,
    },
    server: {
      proxy: {
        '/api': { target, changeOrigin: false },
        '/healthz': { target, changeOrigin: false },
        '/socket.io': { target, ws: true, changeOrigin: false },
      },
    },
  };
});

import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv } from 'vite';
import react from '@vitejs/plugin-react';

const clientDir = fileURLToPath(new URL('.', import.meta.url));

// The dashboard is served by Express in production (same origin, one port); in development Vite serves it
// with hot reload and forwards the API and the Socket.IO upgrade to the server.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, clientDir, '');
  const target = env.VITE_API_TARGET || 'http://127.0.0.1:3000';
  return {
    root: clientDir,
    plugins: [react()],
    resolve: {
      // Server DTO types are imported type-only; the alias keeps those imports short and depth-independent.
      alias: { '@contract': fileURLToPath(new URL('../server/src', import.meta.url)) },
    },
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

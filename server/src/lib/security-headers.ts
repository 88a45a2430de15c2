// Security headers from helmet (a maintained middleware) with a CSP that fits the built dashboard: its
// own scripts and styles only, inline style attributes (React's style props, uPlot), images from Clerk's
// CDN (avatars), and the Socket.IO websocket back to this origin.
import helmet from 'helmet';

export function securityHeaders(opts: { https: boolean }) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        // Over plain HTTP (127.0.0.1, a private network) upgrading would break every request.
        upgradeInsecureRequests: opts.https ? [] : null,
      },
    },
    // HSTS only means something over HTTPS (COOKIE_SECURE=true says the dashboard is served so).
    strictTransportSecurity: opts.https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

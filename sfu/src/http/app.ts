/**
 * The express app: health, the introspection the supervisor console and the
 * tests read, and the two built web apps.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import helmet from 'helmet';
import { createMetrics, type SupervisionFigures } from './metrics';
import type { Redis } from 'ioredis';
import type { CallService } from '../calls/call-service';
import type { MediaCensus } from '../media/census';
import type { WorkerPool } from '../media/worker-pool';

export interface AppDeps {
  redis: Redis;
  pool: WorkerPool;
  census: MediaCensus;
  calls: CallService;
  /** Folder holding booth-client/ and agent-console/ builds (their dist/). */
  webRoot: string;
  api: Router;
  errorHandler: ErrorRequestHandler;
  supervision?: () => Promise<SupervisionFigures>;
  /** A draining node answers 503 so the load balancer sends new connections elsewhere. */
  draining?: () => boolean;
}

export function createHttpApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // Security headers; the apps are same-origin (scripts, styles, websocket), images may be data: (QR codes).
  // connect-src also allows loopback: the kiosk's device services (ID-card reader, receipt printer) run on the kiosk itself.
  // frame-src blob: is the browser print path of a receipt PDF.
  app.use(
    helmet({
      crossOriginEmbedderPolicy: false,
      contentSecurityPolicy: {
        directives: {
          'img-src': ["'self'", 'data:', 'blob:'],
          'media-src': ["'self'", 'blob:'],
          'connect-src': ["'self'", 'http://127.0.0.1:*', 'http://localhost:*'],
          'frame-src': ["'self'", 'blob:'],
        },
      },
    }),
  );
  const metrics = createMetrics(deps);
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.contentType);
    res.end(await metrics.metrics());
  });

  app.get('/healthz', async (_req, res) => {
    const redisOk = await deps.redis.ping().then((r) => r === 'PONG', () => false);
    const workers = await deps.pool.usage().catch(() => []);
    const draining = deps.draining?.() ?? false;
    const ok = redisOk && workers.length === deps.pool.size && !draining;
    res.status(ok ? 200 : 503).json({ ok, redis: redisOk, workers: workers.length, ...(draining ? { draining } : {}) });
  });

  // Live media figures (issue 7 puts these behind the supervisor role and into /metrics).
  app.get('/api/media/stats', (_req, res) => {
    res.json({ counts: deps.census.counts, sessions: deps.calls.describeSessions() });
  });

  app.get('/api/queue', async (_req, res) => {
    res.json(await deps.calls.queueSummary());
  });

  app.use('/api', deps.api);

  for (const [mount, dir] of [
    ['/booth', 'booth-client'],
    ['/agent', 'agent-console'],
  ] as const) {
    const dist = path.join(deps.webRoot, dir, 'dist');
    if (!fs.existsSync(path.join(dist, 'index.html'))) continue;
    app.use(mount, express.static(dist, { index: 'index.html', maxAge: '1h', setHeaders: noCacheHtml }));
    app.get(new RegExp(`^${mount}(/.*)?$`), (_req, res) => res.sendFile(path.join(dist, 'index.html'), { headers: { 'cache-control': 'no-cache' } }));
  }
  app.get('/', (_req, res) => res.redirect('/agent/'));

  app.use((_req, res) => res.status(404).json({ ok: false, error: { code: 'NOT_FOUND', message: 'no such route' } }));
  app.use(deps.errorHandler);
  return app;
}

function noCacheHtml(res: express.Response, file: string): void {
  if (file.endsWith('.html')) res.setHeader('cache-control', 'no-cache');
}

import { createServer, type Server, type ServerResponse } from 'node:http';
import { PROBLEM_TYPE_BASE } from '../../../../shared/errors';
import type { PrometheusMetrics } from './prometheus.metrics';

/**
 * The worker's own scrape endpoint (`jobs.workerMetricsPort`): the worker runs no Nest HTTP, and its counters (job
 * outcomes, the embedding and model calls of the jobs it runs, its process metrics) live in its process, where
 * no API's /metrics can see them. A bare listener: GET /metrics (the exposition, as the API serves it) and GET
 * /health/live (the process answers), nothing else; like the API's /metrics, without authentication.
 */
export function listenForScrapes(port: number, metricsOf: () => PrometheusMetrics | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    if (req.method !== 'GET' && req.method !== 'HEAD') return problem(res, 405, 'REQUEST.METHOD_NOT_ALLOWED', `${req.method} is not served here: GET /metrics or /health/live.`);
    if (path === '/health/live') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ status: 'ok', info: { process: { status: 'up', uptime_s: Math.round(process.uptime()) } } }));
    if (path !== '/metrics') return problem(res, 404, 'REQUEST.NOT_FOUND', 'Only GET /metrics and /health/live are served on the worker metrics port.');
    const metrics = metricsOf();
    if (!metrics) return problem(res, 503, 'HTTP.503', 'The worker is starting: its metrics are not registered yet.');
    metrics.render().then(
      (text) => send(res, 200, metrics.contentType, text),
      () => problem(res, 500, 'INTERNAL', 'The metrics could not be collected.'),
    );
  });
  // a scrape is small and quick: a client that holds its connection idle is let go
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  const title = { 404: 'Not Found', 405: 'Method Not Allowed', 503: 'Service Unavailable' }[status] ?? 'Internal Server Error';
  send(res, status, 'application/problem+json', JSON.stringify({ type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/[._]/g, '-'), title, status, detail, code }));
}

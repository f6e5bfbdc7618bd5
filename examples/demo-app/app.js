// The demo app: Express 5 + pg, an import of participants that records business events.
// It knows nothing about OpenTelemetry except the optional API calls below; the agent is loaded
// with `node --require otel-companion/register examples/demo-app/server.js`.
const express = require('express');
const { withSpan } = require('otel-companion');
// Logs, business events and health: docs/logs-events-health.md.
const { createLogger, requestLogger, startExecution, healthRouter, pgCheck, memoryCheck } = require('otel-companion');
const db = require('./db');
// Business metrics (Prometheus: app_participants_imported_total): docs/metrics.md.
const { counter } = require('otel-companion');
const participantsImported = counter('app.participants.imported', { description: 'Participants imported', unit: '{participant}' });

class ValidationError extends Error {
  constructor(message, details) {
    super(message);
    this.name = 'ValidationError';
    this.status = 400;
    this.details = details;
  }
}

/** Each participant needs an email (email is required); name is optional. */
function validateParticipants(body) {
  if (!Array.isArray(body)) throw new ValidationError('body must be an array of participants');
  const problems = [];
  body.forEach((p, i) => {
    if (!p || typeof p !== 'object') problems.push({ index: i, problem: 'not an object' });
    else if (typeof p.email !== 'string' || !p.email.includes('@')) problems.push({ index: i, problem: 'email is required' });
  });
  if (problems.length) throw new ValidationError(`${problems.length} participant(s) failed validation`, problems);
  return body;
}

function createApp(pool) {
  const app = express();
  app.use(express.json({ limit: '1mb' }));

  // GET /health (PostgreSQL + heap) and GET /ready (server.js calls markReady()).
  app.use(healthRouter({ checks: { postgres: pgCheck(pool), memory: memoryCheck({ maxHeapRatio: 0.9 }) } }));
  // req.logger: JSON lines with the request's trace_id, tenant (x-tenant-id) and user.
  const logger = createLogger();
  app.use(requestLogger({ logger }));

  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });

  app.get('/db', async (_req, res) => {
    const r = await pool.query('SELECT count(*)::int AS participants FROM participants');
    res.json(r.rows[0]);
  });

  app.post('/participants/import', async (req, res) => {
    const count = Array.isArray(req.body) ? req.body.length : 0;
    // The import's business events: started, imported with a count, or failed with the reason.
    const importRun = startExecution('import-participants', { nr_of_imported_participants: count });
    importRun.recordEvent('import-participants-started');
    try {
      const participants = withSpan('validate participants', { 'participants.count': count }, () => validateParticipants(req.body));
      const imported = await db.insertParticipants(pool, participants);
      importRun.recordEvent('participants-imported', { count: imported });
      participantsImported.add(imported);
      req.logger.info('participants imported', { count: imported, execution_id: importRun.executionId });
      res.status(201).json({ imported });
    } catch (err) {
      importRun.recordEvent('import-participants-failed', { reason: err.message, details: err.details }, { severity: 'error' });
      req.logger.warn('participants import failed', { reason: err.message, execution_id: importRun.executionId });
      throw err;
    }
  });

  app.get('/participants', async (req, res) => {
    const limit = Math.min(Number(req.query.limit) || 50, 500);
    res.json(await db.listParticipants(pool, limit));
  });

  // Throws on purpose: an unexpected error the agent records on the span.
  app.get('/participants/export', () => {
    throw new Error('export backend is not configured');
  });

  // Slow on purpose: a query that takes 300 ms.
  app.get('/participants/report', async (_req, res) => {
    const r = await pool.query('SELECT pg_sleep(0.3), count(*)::int AS participants FROM participants');
    res.json({ participants: r.rows[0].participants });
  });

  app.use((err, req, res, _next) => {
    const status = err.status ?? 500;
    if (status >= 500) req.logger?.error('request failed', { err });
    res.status(status).json({ error: err.message, details: err.details });
  });
  return app;
}

module.exports = { createApp, validateParticipants, ValidationError };

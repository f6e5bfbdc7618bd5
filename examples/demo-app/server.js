// Entry point: `node --require otel-companion/register examples/demo-app/server.js`
const { markReady } = require('otel-companion');
const { createApp } = require('./app');
const db = require('./db');

async function main() {
  // DATABASE_URL, or pg's standard PGHOST/PGUSER/... variables (docker-compose.yml uses those).
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString && !process.env.PGHOST) {
    console.error('Set DATABASE_URL or PGHOST/PGUSER/PGPASSWORD/PGDATABASE (npm run demo starts PostgreSQL and sets DATABASE_URL)');
    process.exit(2);
  }
  const pool = db.createPool(connectionString);
  await db.migrate(pool);
  const app = createApp(pool);
  const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
    console.log(`LISTENING ${server.address().port}`);
    markReady(); // GET /ready answers 200 from now on, and 503 again once SIGTERM starts the shutdown
  });

  // The app's own graceful shutdown. The agent flushes alongside it and never calls process.exit;
  // nor does the app: once the server and the pool are closed, Node exits by itself when the
  // agent's flush is done (a process.exit() here would cut the flush short).
  const stop = () => {
    server.close(() => {
      void pool.end();
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Schema and queries of the demo: the participants collection.
const { Pool } = require('pg');

function createPool(connectionString) {
  // application_name doubles as the pool's name in the pool-usage metrics.
  return new Pool({ connectionString, max: 10, application_name: 'demo-participants' });
}

async function migrate(pool) {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS participants (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text,
      email text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
}

async function insertParticipants(pool, participants) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const p of participants) {
      await client.query('INSERT INTO participants (name, email) VALUES ($1, $2)', [p.name ?? null, p.email]);
    }
    await client.query('COMMIT');
    return participants.length;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

async function listParticipants(pool, limit) {
  const r = await pool.query('SELECT id, name, email, created_at FROM participants ORDER BY created_at DESC LIMIT $1', [limit]);
  return r.rows;
}

module.exports = { createPool, migrate, insertParticipants, listParticipants };

import { startPostgres, type PgServer } from './postgres';

let pg: PgServer | undefined;

// One real PostgreSQL for the whole run: starting one takes seconds, and every suite can use its
// own tables. The URL reaches test workers through the environment.
export async function setup(): Promise<void> {
  if (process.env.TEST_PG_URL) return;
  pg = await startPostgres('suite');
  process.env.TEST_PG_URL = pg.url;
}

export async function teardown(): Promise<void> {
  await pg?.stop();
}

// What the job-queue scripts (pgboss9_test.mjs, pgboss_test.mjs,
// graphile_worker_test.mjs) share: DB_URLS (one connection string per
// node, the same one three times for PostgreSQL), JOBS (the number of
// jobs), a deadline (DEADLINE_MS, 60 s by default), and how a script
// fails (a "FAILED: …" line on standard output, exit status 1) or waits
// for a condition.
export const urls = (process.env.DB_URLS || '').split(',').filter(Boolean);
export const jobs = Number(process.env.JOBS || 30);
const deadline = Date.now() + Number(process.env.DEADLINE_MS || 60000);

export function fail(msg) {
  console.log('FAILED: ' + msg);
  process.exit(1);
}

export async function waitFor(what, cond) {
  while (!(await cond())) {
    if (Date.now() > deadline) fail('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

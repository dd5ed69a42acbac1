// pg-boss 9 (npm alias pg-boss-9: the last major before pg-boss
// partitioned its job table) on a three-node logdb, run by
// test/queues_node_test.go, and against PostgreSQL 15 for the reference
// output. DB_URLS lists one connection string per node (the same one
// three times for PostgreSQL); JOBS is the number of jobs. start()
// installs the schema through the first node (under pg-boss's advisory
// lock, keyed by ('x' || md5(…))::bit(64)::bigint) and the other nodes
// find it installed; fetch, complete and fail go through the second
// node; jobs sent through the first node are worked by a worker on every
// node, each done exactly once, a job whose handler fails once retried
// and then completed. PGBOSS_SCHEMA names pg-boss's schema (pgboss9_test;
// pg-boss creates its job_state enum there). The output is the same on
// both servers; the last line is "ok".
import PgBoss from 'pg-boss-9';
import pg from 'pg';
import { fail, jobs, urls, waitFor } from './queue_common.mjs';

const schema = process.env.PGBOSS_SCHEMA || 'pgboss9_test';
const queue = 'work';

function newBoss(url) {
  const boss = new PgBoss({ connectionString: url, schema, max: 4, noSupervisor: true, noScheduling: true });
  boss.on('error', (err) => console.error('pg-boss error:', err.message, err.code || ''));
  return boss;
}

async function main() {
  if (urls.length === 0) fail('DB_URLS is empty');
  const client = new pg.Client({ connectionString: urls[0] });
  await client.connect();
  if (schema !== 'public') await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);

  // Schema install through the first node; the others find it installed.
  const first = newBoss(urls[0]);
  await first.start();
  console.log('installed version', (await client.query(`SELECT version FROM ${schema}.version`)).rows[0].version);
  const bosses = [first];
  for (const url of urls.slice(1)) bosses.push(await newBoss(url).start());

  // fetch, complete and fail through the second node.
  const other = bosses[1 % bosses.length];
  const a = await first.send('manual', { n: 'a' });
  const b = await first.send('manual', { n: 'b' });
  const fetched = await other.fetch('manual', 2);
  console.log('fetched', fetched.map((j) => j.data.n).sort().join(','));
  console.log('complete', JSON.stringify(await other.complete(a, { result: 1 })).replace(a, 'a'));
  console.log('fail', JSON.stringify(await other.fail(b, { why: 'test' })).replace(b, 'b'));
  const ja = await other.getJobById(a);
  const jb = await other.getJobById(b);
  console.log('manual states', ja.state, jb.state, JSON.stringify(ja.output), JSON.stringify(jb.output));
  console.log('manual left', await other.fetch('manual'));

  // N jobs sent through the first node, worked by a worker on each node.
  const done = new Map(); // job key -> executions that completed
  const attempts = new Map(); // job key -> handler calls
  const byNode = new Map();
  for (let i = 0; i < jobs; i++) {
    await first.send(queue, { k: i, failOnce: i % 10 === 3 }, { retryLimit: 2, retryDelay: 0 });
  }
  console.log('sent', jobs, 'queued', await first.getQueueSize(queue));
  await Promise.all(
    bosses.map((boss, node) =>
      boss.work(queue, { newJobCheckInterval: 200 }, async (job) => {
        const k = job.data.k;
        const n = (attempts.get(k) || 0) + 1;
        attempts.set(k, n);
        if (job.data.failOnce && n === 1) throw new Error('first attempt of ' + k + ' fails');
        done.set(k, (done.get(k) || 0) + 1);
        byNode.set(node, (byNode.get(node) || 0) + 1);
        return { k };
      }),
    ),
  );
  const completed = async () =>
    Number((await client.query(`SELECT count(*) AS n FROM ${schema}.job WHERE name = $1 AND state = 'completed'`, [queue])).rows[0].n);
  await waitFor(jobs + ' jobs completed', async () => done.size >= jobs && (await completed()) === jobs);
  const twice = [...done.entries()].filter(([, c]) => c !== 1);
  if (twice.length) fail('jobs done more than once: ' + JSON.stringify(twice));
  const retried = [...attempts.entries()].filter(([, c]) => c > 1).map(([k, c]) => `${k}:${c}`);
  console.log('done', done.size, 'each once');
  console.log('retried', retried.sort().join(','));
  const states = await client.query(
    `SELECT state::text, count(*)::int AS n, sum(retrycount)::int AS retries FROM ${schema}.job WHERE name = $1 GROUP BY state ORDER BY state`,
    [queue],
  );
  console.log('states', JSON.stringify(states.rows));
  console.log('queued', await first.getQueueSize(queue));
  if (process.env.SHOW_NODES) console.error('jobs by node', JSON.stringify([...byNode.entries()]));

  for (const boss of bosses) await boss.stop({ graceful: false, destroy: true });
  await client.end();
  console.log('ok');
}

main().catch((err) => {
  console.log('FAILED:', err.message, err.code || '');
  if (process.env.SHOW_STACK) console.log(err.stack);
  process.exit(1);
});

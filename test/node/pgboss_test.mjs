// pg-boss on a three-node logdb (run by test/queues_node_test.go, and
// against PostgreSQL 15 for the reference output). DB_URLS lists one
// connection string per node (the same one three times for PostgreSQL);
// JOBS is the number of jobs. The schema is installed through the first
// node, jobs are sent through the first, and a worker on every node
// works them: each job is done exactly once, a job whose handler fails
// once is retried and then completed, and fetch/complete/fail move jobs
// to the states pg-boss documents. The output is the same on both
// servers; the last line is "ok".
import { PgBoss } from 'pg-boss';
import { fail, jobs, urls, waitFor } from './queue_common.mjs';

const schema = 'pgboss_test';
const queue = 'work';

function newBoss(url) {
  const boss = new PgBoss({ connectionString: url, schema, max: 4, supervise: false, schedule: false });
  boss.on('error', (err) => console.error('pg-boss error:', err.message, err.code || ''));
  return boss;
}

async function main() {
  if (urls.length === 0) fail('DB_URLS is empty');
  // Schema install through the first node; the others find it installed.
  const first = newBoss(urls[0]);
  await first.start();
  console.log('installed');
  const bosses = [first];
  for (const url of urls.slice(1)) bosses.push(await newBoss(url).start());

  await first.createQueue(queue, { retryLimit: 2, retryDelay: 0 });
  await first.createQueue('manual', { retryLimit: 0 });
  console.log('queues', (await first.getQueues()).map((q) => q.name).sort().join(','));

  // fetch, complete and fail through the second node.
  const other = bosses[1 % bosses.length];
  const a = await first.send('manual', { n: 'a' });
  const b = await first.send('manual', { n: 'b' });
  const fetched = await other.fetch('manual', { batchSize: 2 });
  console.log('fetched', fetched.map((j) => j.data.n).sort().join(','));
  await other.complete('manual', a, { result: 1 });
  await other.fail('manual', b, { why: 'test' });
  const ja = await other.getJobById('manual', a);
  const jb = await other.getJobById('manual', b);
  console.log('manual states', ja.state, jb.state, JSON.stringify(ja.output), JSON.stringify(jb.output));

  // N jobs sent through the first node, worked by a worker on each node.
  const done = new Map(); // job key -> executions that completed
  const attempts = new Map(); // job key -> handler calls
  const byNode = new Map();
  for (let i = 0; i < jobs; i++) await first.send(queue, { k: i, failOnce: i % 10 === 3 });
  console.log('sent', jobs);
  await Promise.all(
    bosses.map((boss, node) =>
      boss.work(queue, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
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
  const completedCount = async () =>
    (await first.findJobs(queue, { limit: 100000 })).filter((j) => j.state === 'completed').length;
  await waitFor(jobs + ' jobs completed', async () => done.size >= jobs && (await completedCount()) === jobs);
  const twice = [...done.entries()].filter(([, c]) => c !== 1);
  if (twice.length) fail('jobs done more than once: ' + JSON.stringify(twice));
  const retried = [...attempts.entries()].filter(([, c]) => c > 1).map(([k, c]) => `${k}:${c}`);
  console.log('done', done.size, 'each once');
  console.log('retried', retried.sort().join(','));
  const states = {};
  for (const j of await first.findJobs(queue, { limit: 100000 })) states[j.state] = (states[j.state] || 0) + 1;
  console.log('states', JSON.stringify(states));
  if (process.env.SHOW_NODES) console.error('jobs by node', JSON.stringify([...byNode.entries()]));

  for (const boss of bosses) await boss.stop({ graceful: false, wait: true });
  console.log('ok');
}

main().catch((err) => {
  console.log('FAILED:', err.message, err.code || '');
  if (process.env.SHOW_STACK) console.log(err.stack);
  process.exit(1);
});

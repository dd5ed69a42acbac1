// graphile-worker on a three-node logdb (run by test/queues_node_test.go,
// and against PostgreSQL 15 for the reference output). DB_URLS lists one
// connection string per node (the same one three times for PostgreSQL);
// JOBS is the number of jobs. The migrations run through the first node
// (runMigrations), jobs are added through the first node (makeWorkerUtils
// and quickAddJob), and a task runner on each of the other nodes works
// them: each job is done exactly once, and a job whose task fails once is
// retried and then done. The output is the same on both servers; the
// last line is "ok".
import { makeWorkerUtils, quickAddJob, run, runMigrations } from 'graphile-worker';
import { fail, jobs, urls, waitFor } from './queue_common.mjs';

const schema = 'graphile_worker_test';

// Quiet logs: graphile-worker logs every job; errors still show on stderr.
const logFactory = (scope) => (level, message) => {
  if (level === 'error' && !/first attempt of/.test(message)) console.error(`[${level}]`, message);
};

async function main() {
  if (urls.length === 0) fail('DB_URLS is empty');
  const { Logger } = await import('graphile-worker');
  const logger = new Logger(logFactory);
  await runMigrations({ connectionString: urls[0], schema, logger });
  console.log('migrated');

  const utils = await makeWorkerUtils({ connectionString: urls[0], schema, logger });
  const done = new Map(); // job key -> completed executions
  const attempts = new Map(); // job key -> task calls
  const taskList = {
    work: async (payload) => {
      const k = payload.k;
      const n = (attempts.get(k) || 0) + 1;
      attempts.set(k, n);
      if (payload.failOnce && n === 1) throw new Error('first attempt of ' + k + ' fails');
      done.set(k, (done.get(k) || 0) + 1);
    },
  };
  const runners = [];
  for (const url of urls.length > 1 ? urls.slice(1) : urls) {
    runners.push(
      await run({ connectionString: url, schema, logger, concurrency: 2, pollInterval: 200, noHandleSignals: true, taskList }),
    );
  }

  for (let i = 0; i < jobs; i++) {
    const payload = { k: i, failOnce: i % 10 === 3 };
    if (i % 2 === 0) await utils.addJob('work', payload, { maxAttempts: 3 });
    else await quickAddJob({ connectionString: urls[0], schema }, 'work', payload, { maxAttempts: 3 });
  }
  console.log('added', jobs);

  // A failed attempt is retried after exp(1) ≈ 2.7 s (graphile-worker's backoff).
  const pending = async () => {
    const { rows } = await utils.withPgClient((c) => c.query(`SELECT count(*)::int AS n FROM ${schema}.jobs`));
    return rows[0].n;
  };
  await waitFor(jobs + ' jobs done', async () => done.size >= jobs && (await pending()) === 0);
  const twice = [...done.entries()].filter(([, c]) => c !== 1);
  if (twice.length) fail('jobs done more than once: ' + JSON.stringify(twice));
  const retried = [...attempts.entries()].filter(([, c]) => c > 1).map(([k, c]) => `${k}:${c}`);
  console.log('done', done.size, 'each once');
  console.log('retried', retried.sort().join(','));

  for (const r of runners) await r.stop();
  await utils.release();
  console.log('ok');
}

main().catch((err) => {
  console.log('FAILED:', err.message, err.code || '');
  if (process.env.SHOW_STACK) console.log(err.stack);
  process.exit(1);
});

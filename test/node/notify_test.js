// node-postgres LISTEN/NOTIFY across two nodes of a logdb cluster: a
// client listening on LISTEN_HOST:LISTEN_PORT (a follower) receives, in
// order and once each, what another client commits through
// NOTIFY_HOST:NOTIFY_PORT (the leader), and nothing of a rolled-back
// transaction. Run by test/notify_test.go; prints "ok N checks" and exits
// 0, or prints the failure and exits 1.
'use strict';
const assert = require('node:assert/strict');
const { Client } = require('pg');

let checks = 0;
function check(fn) { fn(); checks++; }

async function main() {
  const listener = new Client({ host: process.env.LISTEN_HOST, port: process.env.LISTEN_PORT });
  const notifier = new Client({ host: process.env.NOTIFY_HOST, port: process.env.NOTIFY_PORT });
  await listener.connect();
  await notifier.connect();
  try {
    const got = [];
    let wake = null;
    listener.on('notification', (msg) => {
      got.push(msg);
      if (wake) wake();
    });
    await listener.query('LISTEN node_jobs');
    await listener.query('LISTEN "Node Mixed"');
    const chans = await listener.query('SELECT pg_listening_channels() AS c');
    check(() => assert.deepEqual(chans.rows.map(r => r.c), ['node_jobs', 'Node Mixed']));

    const want = [];
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 5) {
        await notifier.query('BEGIN');
        await notifier.query("SELECT pg_notify('node_jobs', $1)", [`rolled back ${i}`]);
        await notifier.query('ROLLBACK');
      }
      if (i % 2 === 0) {
        await notifier.query("SELECT pg_notify('node_jobs', $1)", [`job ${i}`]);
        want.push(['node_jobs', `job ${i}`]);
      } else {
        await notifier.query('BEGIN');
        await notifier.query(`NOTIFY node_jobs, 'job ${i}'`);
        await notifier.query(`NOTIFY "Node Mixed", 'job ${i}'`);
        await notifier.query(`NOTIFY node_jobs, 'job ${i}'`); // collapsed
        await notifier.query('COMMIT');
        want.push(['node_jobs', `job ${i}`], ['Node Mixed', `job ${i}`]);
      }
    }
    const deadline = Date.now() + 10000;
    while (got.length < want.length && Date.now() < deadline) {
      await new Promise((resolve) => { wake = resolve; setTimeout(resolve, 100); });
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // anything more would arrive now
    check(() => assert.deepEqual(got.map(m => [m.channel, m.payload]), want));
    check(() => assert.ok(got.every(m => m.processId === notifier.processID)));

    // UNLISTEN *: nothing more arrives.
    await listener.query('UNLISTEN *');
    const none = await listener.query('SELECT count(*)::int AS n FROM pg_listening_channels()');
    check(() => assert.equal(none.rows[0].n, 0));
    await notifier.query("NOTIFY node_jobs, 'after unlisten'");
    await new Promise((resolve) => setTimeout(resolve, 300));
    check(() => assert.equal(got.length, want.length));
  } finally {
    await listener.end();
    await notifier.end();
  }
  console.log(`ok ${checks} checks`);
}

main().catch(err => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});

// node-postgres against a logdb node with --certs-dir and SCRAM: run by
// test/auth_test.go (TestAuthClients). Prints one line per attempt:
// "<user>/<password>: ok <current_user> <ssl>" or "<user>/<password>: <SQLSTATE>".
const { Client } = require('pg');
const fs = require('fs');

async function attempt(user, password, ssl, channelBinding) {
  const c = new Client({
    host: process.env.PGHOST, port: Number(process.env.PGPORT), database: 'logdb', user, password,
    ssl: ssl ? { ca: fs.readFileSync(process.env.PGSSLROOTCERT), rejectUnauthorized: true } : false,
    enableChannelBinding: channelBinding,
  });
  try {
    await c.connect();
    const r = await c.query('SELECT current_user AS u, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return `ok ${r.rows[0].u} ${r.rows[0].ssl}`;
  } catch (e) {
    return e.code || String(e.message);
  } finally {
    await c.end().catch(() => {});
  }
}

(async () => {
  const cases = [['app', 'right', true, false], ['app', 'right', true, true], ['app', 'wrong', true, false],
    ['ghost', 'right', true, false], ['nologin', 'right', true, false], ['app', 'right', false, false]];
  for (const [u, p, ssl, cb] of cases) {
    console.log(`${u}/${p}${ssl ? '' : '/plain'}${cb ? '/plus' : ''}: ${await attempt(u, p, ssl, cb)}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });

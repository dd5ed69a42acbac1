// node-postgres against a running logdb (or PostgreSQL): connection from the
// PG* environment variables. Run by test/node_test.go; prints "ok N checks"
// and exits 0, or prints the failure and exits 1.
'use strict';
const assert = require('node:assert/strict');
const { Client } = require('pg');

let checks = 0;
function check(fn) { fn(); checks++; }

async function expectCode(client, sql, code, params) {
  try {
    await client.query(sql, params);
  } catch (err) {
    assert.equal(err.code, code, `${sql}: ${err.message}`);
    checks++;
    return;
  }
  assert.fail(`${sql}: succeeded, want SQLSTATE ${code}`);
}

async function main() {
  const client = new Client({ user: 'logdb', database: 'logdb' });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS node_t');
    await client.query(`CREATE TABLE node_t (
      id serial PRIMARY KEY, name text NOT NULL UNIQUE, n bigint, price numeric(10,2),
      ok boolean, born date, at timestamptz, doc jsonb, raw bytea, u uuid)`);

    // Extended protocol with parameters (node-postgres sends text parameters).
    const ins = await client.query(
      `INSERT INTO node_t (name, n, price, ok, born, at, doc, raw, u)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, name`,
      ['alice', '9007199254740993', '12.50', true, '2024-02-29', new Date('2024-02-29T13:14:15.123Z'),
        { a: [1, 2] }, Buffer.from([0, 1, 255]), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']);
    check(() => assert.deepEqual(ins.rows, [{ id: 1, name: 'alice' }]));
    check(() => assert.equal(ins.command, 'INSERT'));
    check(() => assert.equal(ins.rowCount, 1));
    await client.query('INSERT INTO node_t (name) VALUES ($1)', ['bob']);

    const r = await client.query('SELECT * FROM node_t ORDER BY id');
    check(() => assert.equal(r.rows.length, 2));
    const a = r.rows[0];
    check(() => assert.equal(a.n, '9007199254740993'));          // int8 as string: exact
    check(() => assert.equal(a.price, '12.50'));                 // numeric as string: exact
    check(() => assert.equal(a.ok, true));
    check(() => assert.equal(a.at.toISOString(), '2024-02-29T13:14:15.123Z'));
    check(() => assert.deepEqual(a.doc, { a: [1, 2] }));
    check(() => assert.deepEqual([...a.raw], [0, 1, 255]));
    check(() => assert.equal(a.u, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'));
    check(() => assert.ok(a.born instanceof Date));
    const b = r.rows[1];
    check(() => assert.equal(b.n, null));
    check(() => assert.equal(b.doc, null));
    check(() => assert.deepEqual(r.fields.map(f => f.dataTypeID), [23, 25, 20, 1700, 16, 1082, 1184, 3802, 17, 2950]));

    // Simple protocol: several statements in one string.
    const multi = await client.query("UPDATE node_t SET n = 1 WHERE name = 'bob'; SELECT n FROM node_t WHERE name = 'bob'");
    check(() => assert.equal(multi.length, 2));
    check(() => assert.equal(multi[1].rows[0].n, '1'));

    // Errors carry SQLSTATEs; the connection stays usable.
    await expectCode(client, 'INSERT INTO node_t (name) VALUES ($1)', '23505', ['alice']);
    await expectCode(client, 'INSERT INTO node_t (name) VALUES (NULL)', '23502');
    await expectCode(client, 'SELECT 1/0', '22012');
    await expectCode(client, 'SELECT * FROM node_missing', '42P01');

    // Transactions.
    await client.query('BEGIN');
    await client.query("INSERT INTO node_t (name) VALUES ('carol')");
    const inside = await client.query('SELECT count(*)::int AS c FROM node_t');
    check(() => assert.equal(inside.rows[0].c, 3));
    await client.query('ROLLBACK');
    const after = await client.query('SELECT count(*)::int AS c FROM node_t');
    check(() => assert.equal(after.rows[0].c, 2));

    await client.query('BEGIN');
    await expectCode(client, 'SELECT 1/0', '22012');
    await expectCode(client, 'SELECT 1', '25P02');
    await client.query('ROLLBACK');

    // A named prepared statement reused.
    for (let i = 0; i < 5; i++) {
      const p = await client.query({ name: 'by_name', text: 'SELECT id FROM node_t WHERE name = $1', values: ['bob'] });
      check(() => assert.equal(p.rows[0].id, 2));
    }
    // Row-mode results (arrays).
    const rm = await client.query({ text: 'SELECT 1 AS x, $1::text AS y', values: ['z'], rowMode: 'array' });
    check(() => assert.deepEqual(rm.rows, [[1, 'z']]));

    await client.query('DROP TABLE node_t');
  } finally {
    await client.end();
  }
  console.log(`ok ${checks} checks`);
}

main().catch(err => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});

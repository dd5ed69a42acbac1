// knex against a running logdb or PostgreSQL (connection from the PG*
// environment): migrations up, down and up again, CRUD through the query
// builder, whereJsonPath, ON DELETE CASCADE, a transaction. Run by
// test/frameworks_node_test.go (TestKnex) on both; prints one line per
// check, the same on both.
'use strict';
const path = require('node:path');
const knex = require('knex')({
  client: 'pg',
  connection: { host: process.env.PGHOST, port: +process.env.PGPORT, user: process.env.PGUSER, database: process.env.PGDATABASE },
  migrations: { directory: path.join(__dirname, 'knex_migrations'), tableName: 'kx_migrations' },
});

async function main() {
  const [, applied] = await knex.migrate.latest();
  console.log('latest:', applied.map((f) => path.basename(f)));
  console.log('columns:', Object.entries(await knex('kx_posts').columnInfo()).map(([k, v]) => `${k}:${v.type}:${v.nullable}:${v.defaultValue}`).join(' '));
  const [, rolled] = await knex.migrate.rollback(undefined, true);
  console.log('rollback all:', rolled.length, await knex.schema.hasTable('kx_posts'));
  await knex.migrate.latest();
  console.log('status:', await knex.migrate.status());

  const [ann] = await knex('kx_authors').insert({ name: 'ann', profile: { age: 41, tags: ['a', 'b'] } }).returning('*');
  const [bob] = await knex('kx_authors').insert({ name: 'bob', profile: { age: 25 } }).returning(['id', 'name']);
  await knex('kx_posts').insert([
    { author_id: ann.id, title: 'one', body: 'x', state: 'live' },
    { author_id: ann.id, title: 'two' },
    { author_id: bob.id, title: 'three' },
  ]);
  console.log('inserted:', ann.name, ann.profile, typeof ann.created_at, bob);
  console.log('whereJsonPath:', (await knex('kx_authors').select('name').whereJsonPath('profile', '$.age', '>', 30)).map((r) => r.name));
  console.log('join:', await knex('kx_posts as p').join('kx_authors as a', 'a.id', 'p.author_id')
    .select('a.name', 'p.title', 'p.views').orderBy('p.title'));
  console.log('count:', await knex('kx_posts').count('* as n').groupBy('author_id').orderBy('n'));
  console.log('enum:', await knex('kx_posts').select('state').count('* as n').groupBy('state').orderBy('state'));
  try {
    await knex('kx_posts').insert({ author_id: ann.id, title: 'one' });
  } catch (e) {
    console.log('duplicate:', e.code, e.constraint);
  }
  try {
    await knex('kx_posts').insert({ author_id: 999, title: 'orphan' });
  } catch (e) {
    console.log('orphan:', e.code, e.constraint);
  }
  await knex.transaction(async (trx) => {
    await trx('kx_posts').where({ title: 'two' }).increment('views', 5);
    await trx('kx_authors').where({ id: ann.id }).del();
  });
  console.log('after cascade:', await knex('kx_posts').select('title'), await knex('kx_authors').count('* as n'));
  await knex.migrate.rollback(undefined, true);
  console.log('ok');
}

main().catch((e) => { console.log('FAILED:', e.message); process.exitCode = 1; }).finally(() => knex.destroy());

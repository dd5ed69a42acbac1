// knex migration 1 (knex_test.js): two tables, a foreign key with
// ON DELETE CASCADE, a unique column, an index, jsonb, a native enum
// column (t.enu(..., { useNative: true }): CREATE TYPE ... AS ENUM).
exports.up = (knex) =>
  knex.schema
    .createTable('kx_authors', (t) => {
      t.increments('id');
      t.string('name', 100).notNullable().unique();
      t.jsonb('profile');
      t.timestamps(true, true);
    })
    .createTable('kx_posts', (t) => {
      t.increments('id');
      t.integer('author_id').unsigned().notNullable().references('id').inTable('kx_authors').onDelete('CASCADE');
      t.string('title', 200).notNullable();
      t.text('body');
      t.enu('state', ['draft', 'live'], { useNative: true, enumName: 'kx_state' }).notNullable().defaultTo('draft');
      t.index(['title'], 'kx_posts_title_idx');
    });

exports.down = (knex) => knex.schema.dropTable('kx_posts').dropTable('kx_authors').raw('DROP TYPE kx_state');

// knex migration 2 (knex_test.js): a column added, a type altered, an index
// replaced by a unique constraint, a default set.
exports.up = (knex) =>
  knex.schema.alterTable('kx_posts', (t) => {
    t.integer('views').notNullable().defaultTo(0);
    t.string('body', 1000).alter();
    t.dropIndex(['title'], 'kx_posts_title_idx');
    t.unique(['author_id', 'title']);
  });

exports.down = (knex) =>
  knex.schema.alterTable('kx_posts', (t) => {
    t.dropUnique(['author_id', 'title']);
    t.index(['title'], 'kx_posts_title_idx');
    t.text('body').alter();
    t.dropColumn('views');
  });

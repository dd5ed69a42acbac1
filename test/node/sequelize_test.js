// Sequelize 6 with its default options against a running logdb or
// PostgreSQL (connection from the PG* environment): PascalCase models
// (quoted table names with serial keys), associations with ON DELETE
// CASCADE, sync({ alter: true }) twice, CRUD, a transaction. Run by
// test/frameworks_node_test.go (TestSequelize) on both; prints one line per
// check, the same on both; findOrCreate (a temporary PL/pgSQL function
// with an OUT argument of the table's row type). Left out until logdb has
// them: DataTypes.ENUM (CREATE TYPE ... AS ENUM) on SqPost.status.
'use strict';
const { Sequelize, DataTypes, Op } = require('sequelize');

const e = process.env;
const sequelize = new Sequelize(e.PGDATABASE, e.PGUSER, '', { host: e.PGHOST, port: +e.PGPORT, dialect: 'postgres', logging: false });

const SqUser = sequelize.define('SqUser', {
  email: { type: DataTypes.STRING, allowNull: false, unique: true },
  firstName: { type: DataTypes.STRING, allowNull: false },
  age: DataTypes.INTEGER,
  settings: DataTypes.JSONB,
});
const SqPost = sequelize.define('SqPost', {
  title: { type: DataTypes.STRING(200), allowNull: false },
  body: DataTypes.TEXT,
  rating: { type: DataTypes.DECIMAL(4, 2), defaultValue: 0 },
  tags: DataTypes.ARRAY(DataTypes.STRING),
}, { indexes: [{ fields: ['title'] }, { unique: true, fields: ['SqUserId', 'title'] }] });
SqUser.hasMany(SqPost, { onDelete: 'CASCADE' });
SqPost.belongsTo(SqUser);

async function tableShape() {
  const q = sequelize.getQueryInterface();
  const cols = await q.describeTable('SqPosts');
  const fks = await q.getForeignKeyReferencesForTable('SqPosts');
  const idx = await q.showIndex('SqPosts');
  const [cons] = await sequelize.query(`SELECT conname, contype FROM pg_constraint
    WHERE conrelid IN ('"SqUsers"'::regclass, '"SqPosts"'::regclass) ORDER BY conname`);
  return [cons.map((c) => `${c.conname}:${c.contype}`).join(','), Object.keys(cols).sort().join(','),
    fks.map((f) => `${f.columnName}->${f.referencedTableName}.${f.referencedColumnName}`).join(','),
    idx.map((i) => `${i.name}${i.unique ? '(u)' : ''}:${i.fields.map((f) => f.attribute).join('+')}`).sort().join(',')].join(' | ');
}

async function main() {
  await sequelize.authenticate();
  await sequelize.sync({ alter: true });
  const first = await tableShape();
  console.log('after sync 1:', first);
  await sequelize.sync({ alter: true });
  const second = await tableShape();
  console.log('after sync 2:', second === first ? 'the same' : second);

  const ann = await SqUser.create({ email: 'ann@example.com', firstName: 'Ann', age: 41, settings: { theme: 'dark' } });
  const bob = await SqUser.create({ email: 'bob@example.com', firstName: 'Bob', age: 25 });
  console.log('created:', ann.id, bob.id, ann.settings, ann.createdAt instanceof Date);
  // findOrCreate inserts through a temporary PL/pgSQL function (OUT
  // response "SqUsers", EXCEPTION WHEN unique_violation), outside a
  // transaction and inside one
  const [cy, made] = await SqUser.findOrCreate({ where: { email: 'cy@example.com' }, defaults: { firstName: 'Cy', age: 30 } });
  const [cy2, made2] = await SqUser.findOrCreate({ where: { email: 'cy@example.com' }, defaults: { firstName: 'Other' } });
  console.log('findOrCreate:', cy.firstName, cy.age, made, cy2.id === cy.id, cy2.firstName, made2);
  await sequelize.transaction(async (t) => {
    const [dee, madeDee] = await SqUser.findOrCreate({ where: { email: 'dee@example.com' }, defaults: { firstName: 'Dee' }, transaction: t });
    const [dee2, madeDee2] = await SqUser.findOrCreate({ where: { email: 'dee@example.com' }, transaction: t });
    console.log('findOrCreate in a transaction:', dee.firstName, madeDee, dee2.id === dee.id, madeDee2);
  });
  try {
    // not found by firstName, then the insert's email is taken: the
    // function catches unique_violation and returns its detail
    await SqUser.findOrCreate({ where: { firstName: 'Zed' }, defaults: { email: 'ann@example.com' } });
  } catch (err) {
    console.log('findOrCreate conflict:', err.name, JSON.stringify(err.fields));
  }
  await SqUser.destroy({ where: { email: ['cy@example.com', 'dee@example.com'] } });
  await SqPost.bulkCreate([
    { title: 'one', SqUserId: ann.id, tags: ['a', 'b'], rating: 4.5 },
    { title: 'two', SqUserId: ann.id },
    { title: 'three', SqUserId: bob.id },
  ]);
  const withPosts = await SqUser.findAll({ include: SqPost, order: [['id', 'ASC'], [SqPost, 'title', 'ASC']] });
  console.log('include:', withPosts.map((u) => `${u.firstName}:${u.SqPosts.map((p) => p.title).join('/')}`));
  console.log('where:', (await SqUser.findAll({ where: { age: { [Op.gt]: 30 }, email: { [Op.like]: '%example%' } } })).map((u) => u.firstName));
  console.log('count:', await SqPost.count({ where: { SqUserId: ann.id } }), (await SqPost.findOne({ where: { title: 'one' } })).tags);
  const [n] = await SqPost.update({ body: 'edited' }, { where: { title: { [Op.in]: ['one', 'two'] } } });
  console.log('updated:', n);
  try {
    await SqUser.create({ email: 'ann@example.com', firstName: 'Again' });
  } catch (err) {
    console.log('duplicate:', err.name, err.parent.code);
  }
  try {
    await SqPost.create({ title: 'orphan', SqUserId: 9999 });
  } catch (err) {
    console.log('orphan:', err.name, err.parent.code);
  }
  await sequelize.transaction(async (t) => {
    await SqPost.increment('rating', { by: 1, where: { title: 'three' }, transaction: t });
    await ann.destroy({ transaction: t });
  });
  console.log('after cascade:', (await SqPost.findAll({ order: ['title'] })).map((p) => `${p.title}:${p.rating}`), await SqUser.count());
  try {
    await sequelize.transaction(async (t) => {
      await SqUser.create({ email: 'cy@example.com', firstName: 'Cy' }, { transaction: t });
      throw new Error('roll back');
    });
  } catch (err) {
    console.log('rolled back:', err.message, await SqUser.count());
  }
  await sequelize.drop();
  console.log('ok');
}

main().catch((err) => { console.log('FAILED:', err.message, err.sql || ''); process.exitCode = 1; }).finally(() => sequelize.close());

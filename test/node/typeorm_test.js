// TypeORM 0.3 with synchronize: true against a running logdb or PostgreSQL
// (connection from the PG* environment), started twice: the second start
// finds nothing to change. Entities (EntitySchema, plain JavaScript) with
// relations, ON DELETE CASCADE, a unique constraint and an index. Run by
// test/frameworks_node_test.go (TestTypeORM) on both; prints one line per
// check, the same on both. Order.status is an enum column (type: 'enum':
// CREATE TYPE ... AS ENUM, which synchronize must find unchanged).
'use strict';
const { DataSource, EntitySchema } = require('typeorm');

const Customer = new EntitySchema({
  name: 'Customer',
  tableName: 'to_customer',
  columns: {
    id: { type: Number, primary: true, generated: true },
    email: { type: String, unique: true },
    name: { type: String },
    joined: { type: 'timestamptz', createDate: true },
  },
  relations: { orders: { type: 'one-to-many', target: 'Order', inverseSide: 'customer' } },
});
const Order = new EntitySchema({
  name: 'Order',
  tableName: 'to_order',
  columns: {
    id: { type: Number, primary: true, generated: true },
    total: { type: 'numeric', precision: 10, scale: 2 },
    note: { type: String, nullable: true },
    meta: { type: 'jsonb', nullable: true },
    status: { type: 'enum', enum: ['new', 'paid', 'shipped'], default: 'new' },
  },
  relations: {
    customer: { type: 'many-to-one', target: 'Customer', inverseSide: 'orders', onDelete: 'CASCADE', nullable: false },
    lines: { type: 'one-to-many', target: 'OrderLine', inverseSide: 'order', cascade: true },
  },
  indices: [{ name: 'to_order_total_idx', columns: ['total'] }],
});
const OrderLine = new EntitySchema({
  name: 'OrderLine',
  tableName: 'to_order_line',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    sku: { type: String, length: 40 },
    qty: { type: 'int', default: 1 },
  },
  relations: { order: { type: 'many-to-one', target: 'Order', inverseSide: 'lines', onDelete: 'CASCADE' } },
  uniques: [{ name: 'to_order_line_order_sku', columns: ['order', 'sku'] }],
});

function dataSource() {
  const e = process.env;
  return new DataSource({
    type: 'postgres', host: e.PGHOST, port: +e.PGPORT, username: e.PGUSER, database: e.PGDATABASE,
    entities: [Customer, Order, OrderLine], synchronize: true, logging: false,
  });
}

async function main() {
  let ds = await dataSource().initialize();
  console.log('tables:', (await ds.query(`SELECT relname FROM pg_class WHERE relname LIKE 'to\\_%' AND relkind = 'r' ORDER BY 1`)).map((r) => r.relname));
  console.log('foreign keys:', (await ds.query(`SELECT conrelid::regclass::text AS t, confrelid::regclass::text AS r, confdeltype FROM pg_constraint
    WHERE contype = 'f' AND conrelid::regclass::text LIKE 'to\\_%' ORDER BY 1, 2`)).map((r) => `${r.t}->${r.r}:${r.confdeltype}`));
  const customers = ds.getRepository('Customer');
  const orders = ds.getRepository('Order');
  const ann = await customers.save({ email: 'ann@example.com', name: 'Ann' });
  const bob = await customers.save({ email: 'bob@example.com', name: 'Bob' });
  await orders.save({ total: '12.50', customer: ann, meta: { gift: true }, lines: [{ sku: 'a', qty: 2 }, { sku: 'b' }] });
  await orders.save({ total: '3.00', customer: bob, status: 'paid', lines: [{ sku: 'c' }] });
  console.log('enum:', (await ds.query(`SELECT status, status > 'new' AS later FROM to_order ORDER BY status`)).map((r) => `${r.status}:${r.later}`),
    (await ds.query(`SELECT enum_range(NULL::to_order_status_enum)::text AS r`))[0].r);
  try {
    await orders.save({ total: '1.00', customer: bob, status: 'lost' });
  } catch (err) {
    console.log('bad enum value:', err.code);
  }
  await ds.destroy();

  // The second start: synchronize finds the schema as the entities say.
  ds = dataSource();
  await ds.initialize();
  const pending = await ds.driver.createSchemaBuilder().log();
  console.log('second start, pending schema changes:', pending.upQueries.map((q) => q.query));
  const found = await ds.getRepository('Customer').find({ relations: { orders: { lines: true } }, order: { id: 'ASC' } });
  console.log('relations:', found.map((c) => `${c.name}:${c.orders.map((o) => `${o.total}[${o.lines.map((l) => `${l.sku}x${l.qty}`).sort().join(',')}]`).join(';')}`));
  console.log('query builder:', await ds.getRepository('Order').createQueryBuilder('o').innerJoin('o.customer', 'c')
    .select('c.name', 'name').addSelect('SUM(o.total)', 'sum').groupBy('c.name').orderBy('c.name').getRawMany());
  await ds.transaction(async (m) => {
    await m.getRepository('Customer').delete({ email: 'ann@example.com' });
  });
  console.log('after cascade:', await ds.getRepository('Order').count(), await ds.getRepository('OrderLine').count());
  try {
    await ds.getRepository('Customer').insert({ email: 'bob@example.com', name: 'Bob again' });
  } catch (err) {
    console.log('duplicate:', err.code);
  }
  await ds.dropDatabase();
  await ds.destroy();
  console.log('ok');
}

main().catch((err) => { console.log('FAILED:', err.message, err.query || ''); process.exitCode = 1; });

"""SQLAlchemy 1.4 against a database named by the libpq environment (PGHOST,
PGPORT, PGUSER, PGDATABASE): create_all, then reflection compared with
what was declared, then ON DELETE CASCADE and SET NULL at work. Prints one
line per check; TestSQLAlchemyAlembic runs it on logdb and on PostgreSQL 15
and compares the output."""
from sqlalchemy import MetaData, create_engine, inspect, text

from models import build, url

engine = create_engine(url(), future=True)
declared = build("sa_")
declared.create_all(engine)
declared.create_all(engine)  # checkfirst: nothing to do the second time

insp = inspect(engine)
print("tables:", sorted(t for t in insp.get_table_names() if t.startswith("sa_")))
for table in sorted(declared.tables.values(), key=lambda t: t.name):
    name = table.name
    pk = insp.get_pk_constraint(name)
    want_pk = [c.name for c in table.primary_key.columns]
    print(name, "pk:", pk["name"], pk["constrained_columns"], "as declared" if pk["constrained_columns"] == want_pk else "DIFFERS: %s" % want_pk)

    got_fks = sorted(
        (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
         fk["options"].get("ondelete"), fk["options"].get("onupdate"))
        for fk in insp.get_foreign_keys(name))
    want_fks = sorted(
        (fk.name, tuple(c.name for c in fk.columns), fk.referred_table.name, tuple(e.column.name for e in fk.elements),
         fk.ondelete, fk.onupdate)
        for fk in table.foreign_key_constraints)
    print(name, "fks:", got_fks, "as declared" if got_fks == want_fks else "DIFFERS: %s" % want_fks)

    # (the index behind a unique constraint is listed as duplicating it)
    got_ix = sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                    for ix in insp.get_indexes(name) if "duplicates_constraint" not in ix)
    want_ix = sorted((ix.name, tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes)
    print(name, "indexes:", got_ix, "as declared" if got_ix == want_ix else "DIFFERS: %s" % want_ix)

    got_uq = sorted((uq["name"], tuple(uq["column_names"])) for uq in insp.get_unique_constraints(name))
    want_uq = sorted(
        (uq.name, tuple(c.name for c in uq.columns))
        for uq in table.constraints if uq.__class__.__name__ == "UniqueConstraint")
    print(name, "uniques:", got_uq, "as declared" if got_uq == want_uq else "DIFFERS: %s" % want_uq)

# Reflect into a MetaData of its own: the same tables come back.
reflected = MetaData()
reflected.reflect(engine, only=lambda n, _: n.startswith("sa_"))
print("reflected:", sorted(reflected.tables), sorted(
    (t.name, sorted(c.name for c in t.columns)) for t in reflected.tables.values()) == sorted(
    (t.name, sorted(c.name for c in t.columns)) for t in declared.tables.values()))

# The declared actions at work.
with engine.begin() as conn:
    conn.execute(text("INSERT INTO sa_customer (id, email, name) VALUES (1, 'a@x', 'A'), (2, 'b@x', 'B')"))
    conn.execute(text("INSERT INTO sa_region VALUES ('NL', 'UT', 'Utrecht')"))
    conn.execute(text("INSERT INTO sa_orders (id, customer_id, country, region_code, total) VALUES (10, 1, 'NL', 'UT', 5), (11, 2, 'NL', 'UT', 6)"))
    conn.execute(text("INSERT INTO sa_order_line (order_id, line, sku) VALUES (10, 1, 'x'), (10, 2, 'y'), (11, 1, 'z')"))
with engine.begin() as conn:
    conn.execute(text("DELETE FROM sa_customer WHERE id = 1"))
    conn.execute(text("UPDATE sa_region SET code = 'U' WHERE code = 'UT'"))
    print("after cascade:", conn.execute(text("SELECT id, region_code FROM sa_orders ORDER BY id")).all(),
          conn.execute(text("SELECT order_id, line FROM sa_order_line ORDER BY 1, 2")).all())
    conn.execute(text("DELETE FROM sa_region"))
    print("after set null:", conn.execute(text("SELECT id, country, region_code FROM sa_orders")).all())
declared.drop_all(engine)
print("dropped:", [t for t in inspect(engine).get_table_names() if t.startswith("sa_")])

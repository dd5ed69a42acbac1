package test

import (
	"testing"
	"time"
)

// TestInsert: multi-row VALUES, DEFAULT, DEFAULT VALUES, INSERT … SELECT,
// RETURNING, and the command tags.
func TestInsert(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE ins_t (id serial PRIMARY KEY, name text DEFAULT 'anon', qty int DEFAULT 1)")
	mustExec(t, ctx, c, "CREATE TABLE ins_copy (id int PRIMARY KEY, name text, qty int)")

	if tag := mustExec(t, ctx, c, "INSERT INTO ins_t (name, qty) VALUES ('a', 10), ('b', 20), ('c', 30)"); tag.String() != "INSERT 0 3" {
		t.Errorf("multi-row insert tag %q, want INSERT 0 3", tag)
	}
	checkQuery(t, ctx, c, "4|anon|1", "INSERT INTO ins_t DEFAULT VALUES RETURNING *")
	checkQuery(t, ctx, c, "5|d|1\n6|anon|7", "INSERT INTO ins_t (name, qty) VALUES ('d', DEFAULT), (DEFAULT, 7) RETURNING id, name, qty")
	checkQuery(t, ctx, c, "7|E|40", "INSERT INTO ins_t (name, qty) VALUES ($1, $2) RETURNING id, upper(name), qty * 2", "e", 20)

	if tag := mustExec(t, ctx, c, "INSERT INTO ins_copy SELECT id, name, qty FROM ins_t WHERE qty >= 10 AND id <= 3"); tag.String() != "INSERT 0 3" {
		t.Errorf("INSERT … SELECT tag %q, want INSERT 0 3", tag)
	}
	checkQuery(t, ctx, c, "1|a|10\n2|b|20\n3|c|30", "SELECT * FROM ins_copy ORDER BY id")
	mustExec(t, ctx, c, "INSERT INTO ins_copy (id, name, qty) SELECT id + 100, name || '!', qty + 1 FROM ins_copy WHERE id < 3")
	checkQuery(t, ctx, c, "101|a!|11\n102|b!|21", "SELECT * FROM ins_copy WHERE id > 100 ORDER BY id")

	checkPsql(t, n, "8|f|2\nINSERT 0 1", "INSERT INTO ins_t (name, qty) VALUES ('f', 2) RETURNING *")
	checkPsql(t, n, "8", "SELECT count(*) FROM ins_t")
}

// TestOnConflict: DO NOTHING (with and without a target), DO UPDATE with
// EXCLUDED and a WHERE, on the primary key and on a unique column.
func TestOnConflict(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE upsert_t (id int PRIMARY KEY, email text UNIQUE, hits int NOT NULL DEFAULT 0, name text)")
	mustExec(t, ctx, c, "INSERT INTO upsert_t VALUES (1, 'a@x', 1, 'a'), (2, 'b@x', 1, 'b')")

	if tag := mustExec(t, ctx, c, "INSERT INTO upsert_t VALUES (1, 'other@x', 0, 'zzz') ON CONFLICT (id) DO NOTHING"); tag.String() != "INSERT 0 0" {
		t.Errorf("DO NOTHING tag %q, want INSERT 0 0", tag)
	}
	if tag := mustExec(t, ctx, c, "INSERT INTO upsert_t VALUES (3, 'a@x', 0, 'zzz'), (4, 'd@x', 0, 'd') ON CONFLICT DO NOTHING"); tag.String() != "INSERT 0 1" {
		t.Errorf("DO NOTHING without a target, tag %q, want INSERT 0 1", tag)
	}
	checkQuery(t, ctx, c, "1|a@x|1|a\n2|b@x|1|b\n4|d@x|0|d", "SELECT * FROM upsert_t ORDER BY id")

	checkQuery(t, ctx, c, "1|2|A2", `INSERT INTO upsert_t (id, email, hits, name) VALUES (1, 'a@x', 1, 'A2')
		ON CONFLICT (id) DO UPDATE SET hits = upsert_t.hits + EXCLUDED.hits, name = EXCLUDED.name RETURNING id, hits, name`)
	checkQuery(t, ctx, c, "5|0|e", `INSERT INTO upsert_t (id, email, name) VALUES (5, 'e@x', 'e')
		ON CONFLICT (id) DO UPDATE SET hits = upsert_t.hits + 1 RETURNING id, hits, name`)
	checkQuery(t, ctx, c, "2|11", `INSERT INTO upsert_t (id, email, hits) VALUES (99, 'b@x', 10)
		ON CONFLICT (email) DO UPDATE SET hits = upsert_t.hits + EXCLUDED.hits RETURNING id, hits`)
	// DO UPDATE … WHERE false leaves the row and reports nothing.
	if tag := mustExec(t, ctx, c, `INSERT INTO upsert_t (id, email) VALUES (4, 'd@x')
		ON CONFLICT (id) DO UPDATE SET hits = 100 WHERE upsert_t.hits > 50`); tag.String() != "INSERT 0 0" {
		t.Errorf("DO UPDATE WHERE false, tag %q, want INSERT 0 0", tag)
	}
	checkQuery(t, ctx, c, "1|a@x|2|A2\n2|b@x|11|b\n4|d@x|0|d\n5|e@x|0|e", "SELECT * FROM upsert_t ORDER BY id")
	// One statement may not touch the same row twice.
	_, err := c.Exec(ctx, "INSERT INTO upsert_t (id, email) VALUES (7, 'g@x'), (7, 'h@x') ON CONFLICT (id) DO UPDATE SET name = 'twice'")
	wantCode(t, err, "21000", "DO UPDATE affecting one row twice")

	checkPsql(t, n, "5|1\nINSERT 0 1", "INSERT INTO upsert_t (id, email) VALUES (5, 'e@x') ON CONFLICT (id) DO UPDATE SET hits = upsert_t.hits + 1 RETURNING id, hits")
}

// TestUpdateDelete: UPDATE … SET … FROM … WHERE … RETURNING, multi-column
// SET evaluated on the old row, DELETE … WHERE … RETURNING, and the tags.
func TestUpdateDelete(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE ud_items (id int PRIMARY KEY, sku text, price numeric(10,2), a int, b int)")
	mustExec(t, ctx, c, "CREATE TABLE ud_prices (sku text PRIMARY KEY, price numeric(10,2))")
	mustExec(t, ctx, c, "INSERT INTO ud_items VALUES (1, 'x', 1.00, 1, 2), (2, 'y', 2.00, 3, 4), (3, 'z', 3.00, 5, 6), (4, 'x', 4.00, 7, 8)")
	mustExec(t, ctx, c, "INSERT INTO ud_prices VALUES ('x', 9.50), ('y', 8.25)")

	checkQuerySorted(t, ctx, c, "1|9.50\n2|8.25\n4|9.50", `UPDATE ud_items i SET price = p.price FROM ud_prices p
		WHERE i.sku = p.sku RETURNING i.id, i.price`)
	checkQuery(t, ctx, c, "1|x|9.50\n2|y|8.25\n3|z|3.00\n4|x|9.50", "SELECT id, sku, price FROM ud_items ORDER BY id")

	// SET sees the old row: a swap.
	if tag := mustExec(t, ctx, c, "UPDATE ud_items SET a = b, b = a WHERE id <= 2"); tag.String() != "UPDATE 2" {
		t.Errorf("swap tag %q, want UPDATE 2", tag)
	}
	checkQuery(t, ctx, c, "1|2|1\n2|4|3\n3|5|6", "SELECT id, a, b FROM ud_items WHERE id < 4 ORDER BY id")
	if tag := mustExec(t, ctx, c, "UPDATE ud_items SET a = 0 WHERE id > 100"); tag.String() != "UPDATE 0" {
		t.Errorf("no-match update tag %q, want UPDATE 0", tag)
	}
	mustExec(t, ctx, c, "UPDATE ud_items SET id = id + 10 WHERE id = 3")
	checkQuery(t, ctx, c, "13|z", "SELECT id, sku FROM ud_items WHERE id > 10")

	checkQuerySorted(t, ctx, c, "1|x\n4|x", "DELETE FROM ud_items WHERE sku = 'x' RETURNING id, sku")
	if tag := mustExec(t, ctx, c, "DELETE FROM ud_items WHERE id = 1"); tag.String() != "DELETE 0" {
		t.Errorf("delete of a deleted row: tag %q", tag)
	}
	checkPsql(t, n, "2\nDELETE 1", "DELETE FROM ud_items WHERE id = 2 RETURNING id")
	if tag := mustExec(t, ctx, c, "DELETE FROM ud_items"); tag.String() != "DELETE 1" {
		t.Errorf("delete all: tag %q, want DELETE 1", tag)
	}
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM ud_items")
}

package test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// psqlMeta runs a psql meta-command (unaligned, with headers and footers)
// and returns its output lines, leading spaces trimmed.
func psqlMeta(t *testing.T, n *Node, meta string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host, port := splitAddr(n.Addr)
	cmd := n.psqlCmd(ctx, "logdb")
	// psqlCmd's -t would hide \d's footers (the indexes); start afresh.
	cmd.Args = []string{"psql", "-h", host, "-p", port, "-U", "logdb", "-d", "logdb", "-X", "-A", "-v", "ON_ERROR_STOP=1", "-c", meta}
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "ERROR") {
		t.Errorf("psql -c %q: %v\n%s", meta, err, out)
		return nil
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines
}

func splitAddr(addr string) (string, string) {
	i := strings.LastIndex(addr, ":")
	return addr[:i], addr[i+1:]
}

// wantLines reports every wanted line missing from got, in order of want.
func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range got {
		have[l] = true
	}
	var missing []string
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s: missing lines (as PostgreSQL 15 prints them):\n  %s\ngot:\n  %s", what,
			strings.Join(missing, "\n  "), strings.Join(got, "\n  "))
	}
}

// TestPsqlDescribe: \dt lists the tables, \d table shows columns, types,
// nullability, defaults, indexes and checks as PostgreSQL 15 prints them for
// the same DDL; \di, \dn and \l run.
func TestPsqlDescribe(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	psql(t, n, `CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, name text,
		age integer DEFAULT 0 CHECK (age >= 0), created timestamptz NOT NULL DEFAULT now(), score numeric(10,2))`)
	psql(t, n, "CREATE INDEX users_name_idx ON users (name)")
	psql(t, n, "CREATE TABLE orders (id int PRIMARY KEY, user_id bigint NOT NULL, total numeric(12,2))")

	// The lines below are what PostgreSQL 15.18's psql prints for this DDL.
	d := psqlMeta(t, n, `\d users`)
	wantLines(t, `\d users: title and columns`, d,
		`Table "public.users"`,
		`Column|Type|Collation|Nullable|Default`,
		`id|bigint||not null|nextval('users_id_seq'::regclass)`,
		`email|character varying(100)||not null|`,
		`name|text|||`,
		`age|integer|||0`,
		`created|timestamp with time zone||not null|now()`,
		`score|numeric(10,2)|||`)
	wantLines(t, `\d users: indexes`, d,
		`Indexes:`,
		`"users_pkey" PRIMARY KEY, btree (id)`,
		`"users_email_key" UNIQUE CONSTRAINT, btree (email)`,
		`"users_name_idx" btree (name)`)
	wantLines(t, `\d users: check constraints`, d,
		`Check constraints:`,
		`"users_age_check" CHECK (age >= 0)`)

	wantLines(t, `\d orders`, psqlMeta(t, n, `\d orders`),
		`Table "public.orders"`,
		`id|integer||not null|`,
		`user_id|bigint||not null|`,
		`total|numeric(12,2)|||`,
		`"orders_pkey" PRIMARY KEY, btree (id)`)

	dt := psqlMeta(t, n, `\dt`)
	for _, table := range []string{"users", "orders"} {
		if !hasPrefixLine(dt, "public|"+table+"|table|") {
			t.Errorf(`\dt does not list %s:\n%s`, table, strings.Join(dt, "\n"))
		}
	}
	di := psqlMeta(t, n, `\di`)
	for _, idx := range []string{"users_pkey", "users_email_key", "users_name_idx", "orders_pkey"} {
		if !hasPrefixLine(di, "public|"+idx+"|index|") {
			t.Errorf(`\di does not list %s:\n%s`, idx, strings.Join(di, "\n"))
		}
	}
	if dn := psqlMeta(t, n, `\dn`); !hasPrefixLine(dn, "public|") {
		t.Errorf(`\dn does not list public:\n%s`, strings.Join(dn, "\n"))
	}
	if l := psqlMeta(t, n, `\l`); !hasPrefixLine(l, "logdb|") {
		t.Errorf(`\l does not list logdb:\n%s`, strings.Join(l, "\n"))
	}
	// Other everyday meta-commands at least run.
	for _, meta := range []string{`\dt+`, `\d`, `\ds`, `\dv`, `\du`, `\conninfo`} {
		psqlMeta(t, n, meta)
	}
	// \d of a missing table says so, as psql does.
	ctx := testCtx(t, 30*time.Second)
	cmd := n.psqlCmd(ctx, "logdb", "-c", `\d no_such_table`)
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), `Did not find any relation named "no_such_table"`) {
		t.Errorf(`\d no_such_table: %s`, out)
	}
}

func hasPrefixLine(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

package test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

const typesDDL = `CREATE TABLE types_t (
	id int PRIMARY KEY,
	i2 smallint, i4 integer, i8 bigint,
	s2 smallserial, s4 serial, s8 bigserial,
	f4 real, f8 double precision,
	num numeric(30,10), numx numeric,
	b boolean, t text, vc varchar(5), ch char(5),
	by bytea, d date, ts timestamp, tstz timestamptz,
	u uuid, j json, jb jsonb)`

// typesCols are the columns compared as text (serials are checked apart).
const typesCols = "id, i2, i4, i8, f4, f8, num, numx, b, t, vc, ch, by, d, ts, tstz, u, j, jb"

// The row every client writes, as PostgreSQL 15 prints it (TimeZone UTC).
const typesRowText = `|-32768|2147483647|-9223372036854775807|1.5|3.141592653589793|12345678901234567890.0123456789|-123456789012345678901234567890.123456789012345678901234567890|t|héllo 'wörld' ✓|abcde|ab   |\x000102ff|2024-02-29|2024-02-29 13:14:15.123456|2024-02-29 13:14:15.123456+00|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{"b": 2, "a": [1, 2]}|{"a": [1, 2], "b": 2}`

const typesNullText = `|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL`

var (
	typesTS   = time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	typesDate = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	typesUUID = [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
)

func mustNumeric(t *testing.T, s string) pgtype.Numeric {
	t.Helper()
	var n pgtype.Numeric
	if err := n.Scan(s); err != nil {
		t.Fatalf("numeric %q: %v", s, err)
	}
	return n
}

// TestTypesRoundTrip: every type of the issue, with NULLs, written with pgx
// (binary parameters) and psql (text literals), read back with pgx (binary
// results, real type OIDs) and psql (text results).
func TestTypesRoundTrip(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, typesDDL)

	// Row 1: pgx, extended protocol, binary parameters.
	mustExec(t, ctx, c, `INSERT INTO types_t (`+typesCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
		1, int16(-32768), int32(math.MaxInt32), int64(-math.MaxInt64), float32(1.5), math.Pi,
		mustNumeric(t, "12345678901234567890.0123456789"),
		mustNumeric(t, "-123456789012345678901234567890.123456789012345678901234567890"),
		true, "héllo 'wörld' ✓", "abcde", "ab", []byte{0, 1, 2, 0xff}, typesDate, typesTS, typesTS,
		typesUUID, `{"b": 2, "a": [1, 2]}`, `{"b": 2, "a": [1, 2]}`)
	// Row 2: pgx, all NULL but the key and the serials.
	mustExec(t, ctx, c, `INSERT INTO types_t (id) VALUES ($1)`, 2)
	// Row 3: psql, simple protocol, text literals.
	psql(t, n, `INSERT INTO types_t (`+typesCols+`) VALUES (3, -32768, 2147483647, -9223372036854775807, 1.5, 3.141592653589793,
		12345678901234567890.0123456789, -123456789012345678901234567890.123456789012345678901234567890,
		true, 'héllo ''wörld'' ✓', 'abcde', 'ab', '\x000102ff', '2024-02-29', '2024-02-29 13:14:15.123456',
		'2024-02-29 13:14:15.123456+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 2, "a": [1, 2]}', '{"b": 2, "a": [1, 2]}')`)
	// Row 4: psql, explicit NULLs.
	psql(t, n, `INSERT INTO types_t (`+typesCols+`) VALUES (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)

	// psql reads text results.
	want := strings.Join([]string{"1" + typesRowText, "2" + typesNullText, "3" + typesRowText, "4" + typesNullText}, "\n")
	checkPsql(t, n, want, "SELECT "+typesCols+" FROM types_t ORDER BY id")
	checkPsql(t, n, "1|1|1\n2|2|2\n3|3|3\n4|4|4", "SELECT s2, s4, s8 FROM types_t ORDER BY id")

	// pgx reads binary results with the real type OIDs.
	rows, err := c.Query(ctx, "SELECT "+typesCols+", s2, s4, s8 FROM types_t ORDER BY id")
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	wantOIDs := []uint32{23, 21, 23, 20, 700, 701, 1700, 1700, 16, 25, 1043, 1042, 17, 1082, 1114, 1184, 2950, 114, 3802, 21, 23, 20}
	fds := rows.FieldDescriptions()
	for i, fd := range fds {
		if i < len(wantOIDs) && fd.DataTypeOID != wantOIDs[i] {
			t.Errorf("column %s: type OID %d, want %d", fd.Name, fd.DataTypeOID, wantOIDs[i])
		}
		// pgx asks for text for the text-like types and json; binary for the rest.
		textLike := map[uint32]bool{25: true, 1043: true, 1042: true, 114: true, 3802: true}
		if !textLike[fd.DataTypeOID] && fd.Format != 1 {
			t.Errorf("column %s: result format %d, want binary (1)", fd.Name, fd.Format)
		}
	}
	for rows.Next() {
		var (
			id                int32
			i2, s2            *int16
			i4, s4            *int32
			i8, s8            *int64
			f4                *float32
			f8                *float64
			num, numx         pgtype.Numeric
			b                 *bool
			tx, vc, ch, j, jb *string
			by                []byte
			d, ts, tstz       *time.Time
			u                 pgtype.UUID
		)
		if err := rows.Scan(&id, &i2, &i4, &i8, &f4, &f8, &num, &numx, &b, &tx, &vc, &ch, &by, &d, &ts, &tstz, &u, &j, &jb, &s2, &s4, &s8); err != nil {
			t.Fatalf("scan row: %v", err)
		}
		if s2 == nil || s4 == nil || s8 == nil || int64(*s2) != int64(id) || int64(*s4) != int64(id) || *s8 != int64(id) {
			t.Errorf("row %d: serials %v %v %v, want %d each", id, s2, s4, s8, id)
		}
		if id%2 == 0 {
			if i2 != nil || i4 != nil || i8 != nil || f4 != nil || f8 != nil || num.Valid || numx.Valid || b != nil || tx != nil ||
				vc != nil || ch != nil || by != nil || d != nil || ts != nil || tstz != nil || u.Valid || j != nil || jb != nil {
				t.Errorf("row %d: want every column NULL", id)
			}
			continue
		}
		got := []any{deref(i2), deref(i4), deref(i8), deref(f4), deref(f8), renderValue(num), renderValue(numx), deref(b),
			deref(tx), deref(vc), deref(ch), renderValue(by), deref(d), deref(ts), deref(tstz), renderValue(u.Bytes), deref(j), deref(jb)}
		wantVals := []any{int16(-32768), int32(math.MaxInt32), int64(-math.MaxInt64), float32(1.5), math.Pi,
			"12345678901234567890.0123456789", "-123456789012345678901234567890.123456789012345678901234567890", true,
			"héllo 'wörld' ✓", "abcde", "ab   ", `\x000102ff`, typesDate, typesTS, typesTS,
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"b": 2, "a": [1, 2]}`, `{"a": [1, 2], "b": 2}`}
		for k := range wantVals {
			g, w := got[k], wantVals[k]
			if gt, ok := g.(time.Time); ok {
				if wt := w.(time.Time); !gt.Equal(wt) {
					t.Errorf("row %d column %s: got %v, want %v", id, fds[k+1].Name, gt, wt)
				}
				continue
			}
			if fmt.Sprint(g) != fmt.Sprint(w) || fmt.Sprintf("%T", g) != fmt.Sprintf("%T", w) {
				t.Errorf("row %d column %s: got %T %v, want %T %v", id, fds[k+1].Name, g, g, w, w)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}

	// bytea with every byte value survives both directions.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	var back []byte
	if err := c.QueryRow(ctx, "SELECT $1::bytea", all).Scan(&back); err != nil || !bytes.Equal(back, all) {
		t.Errorf("bytea round trip of 0..255: %v (got %d bytes)", err, len(back))
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestStringLengthLimits: varchar(n) and char(n) reject longer strings with
// 22001; an explicit cast truncates, as in PostgreSQL.
func TestStringLengthLimits(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE strlen_t (id int PRIMARY KEY, vc varchar(5), ch char(3))")

	_, err := c.Exec(ctx, "INSERT INTO strlen_t VALUES ($1, $2, $3)", 1, "abcdef", "a")
	wantCode(t, err, "22001", "varchar(5) given 6 characters (pgx)")
	_, err = c.Exec(ctx, "INSERT INTO strlen_t VALUES ($1, $2, $3)", 1, "a", "abcd")
	wantCode(t, err, "22001", "char(3) given 4 characters (pgx)")
	psqlWantError(t, n, "INSERT INTO strlen_t VALUES (1, 'abcdef', 'a')", "22001")
	mustExec(t, ctx, c, "INSERT INTO strlen_t VALUES (2, 'ééééé', 'ü')") // characters, not bytes
	_, err = c.Exec(ctx, "UPDATE strlen_t SET vc = vc || 'x' WHERE id = 2")
	wantCode(t, err, "22001", "UPDATE making varchar(5) too long")
	checkQuery(t, ctx, c, "2|ééééé|ü  ", "SELECT id, vc, ch FROM strlen_t")
	checkQuery(t, ctx, c, "abcde", "SELECT 'abcdefgh'::varchar(5)")
	checkPsql(t, n, "abcde", "SELECT 'abcdefgh'::varchar(5)")
}

// TestNumericExact: numeric is exact and arbitrary precision; numeric(p,s)
// rounds to its scale and rejects values beyond its precision (22003).
func TestNumericExact(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE num_t (id int PRIMARY KEY, a numeric(7,2), b numeric)")
	mustExec(t, ctx, c, "INSERT INTO num_t VALUES (1, 0.1, 0.1), (2, 0.2, 0.2), (3, 12345.678, 99999999999999999999999999999999)")
	checkPsql(t, n, "1|0.10|0.1\n2|0.20|0.2\n3|12345.68|99999999999999999999999999999999", "SELECT id, a, b FROM num_t ORDER BY id")
	checkQuery(t, ctx, c, "12345.98", "SELECT sum(a) FROM num_t")
	checkPsql(t, n, "99999999999999999999999999999999.3", "SELECT sum(b) FROM num_t")
	checkPsql(t, n, "0.33333333333333333333", "SELECT 1::numeric / 3")
	checkPsql(t, n, "t", "SELECT 0.1::numeric + 0.2::numeric = 0.3::numeric")
	_, err := c.Exec(ctx, "INSERT INTO num_t VALUES (4, 100000, 0)")
	wantCode(t, err, "22003", "numeric(7,2) given 100000")
}

// TestLargeValuesAndResults: a 1 MiB text and bytea value round-trip, and a
// 20,000-row result streams to pgx and psql complete and in order.
func TestLargeValuesAndResults(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE big_vals (id int PRIMARY KEY, t text, b bytea)")
	text := strings.Repeat("logdb ✓ ", 1<<20/10)
	blob := make([]byte, 1<<20)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	mustExec(t, ctx, c, "INSERT INTO big_vals VALUES (1, $1, $2)", text, blob)
	var gotText string
	var gotBlob []byte
	if err := c.QueryRow(ctx, "SELECT t, b FROM big_vals WHERE id = 1").Scan(&gotText, &gotBlob); err != nil {
		t.Fatalf("reading 1 MiB values: %v", err)
	}
	if gotText != text || !bytes.Equal(gotBlob, blob) {
		t.Errorf("1 MiB values differ after the round trip (text %d/%d bytes, bytea %d/%d bytes)", len(gotText), len(text), len(gotBlob), len(blob))
	}
	checkPsql(t, n, fmt.Sprint(len([]rune(text)), "|", len(blob)), "SELECT length(t), length(b) FROM big_vals")

	mustExec(t, ctx, c, "CREATE TABLE big_rows (id int PRIMARY KEY, v text)")
	const total = 20000
	for start := 0; start < total; start += 2000 {
		var sb strings.Builder
		sb.WriteString("INSERT INTO big_rows VALUES ")
		for i := start; i < start+2000; i++ {
			if i > start {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "(%d, 'row %d')", i, i)
		}
		mustExec(t, ctx, c, sb.String())
	}
	rows, err := c.Query(ctx, "SELECT id, v FROM big_rows ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	next := 0
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if id != next || v != fmt.Sprintf("row %d", next) {
			t.Fatalf("row %d: got %d %q", next, id, v)
		}
		next++
	}
	if err := rows.Err(); err != nil || next != total {
		t.Errorf("streamed %d of %d rows: %v", next, total, err)
	}
	out := psql(t, n, "SELECT id FROM big_rows ORDER BY id DESC")
	if lines := strings.Split(out, "\n"); len(lines) != total || lines[0] != fmt.Sprint(total-1) {
		t.Errorf("psql got %d rows, first %q", len(lines), lines[0])
	}
}

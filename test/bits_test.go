package test

import (
	"testing"
	"time"
)

// TestBitTypeMatchesPostgres compares bit(n) — river's unique_states
// column and its river_job_state_in_bitmask function — and make_interval
// with named arguments (river's leader election), and the xmax an INSERT …
// ON CONFLICT DO UPDATE returns (river's duplicate check) with PostgreSQL
// 15.
func TestBitTypeMatchesPostgres(t *testing.T) {
	matchPostgresOnSharedNode(t, 120*time.Second,
		"DROP TABLE IF EXISTS bits_t",
		"CREATE TABLE bits_t (id int PRIMARY KEY, b bit(8))",
		"INSERT INTO bits_t VALUES (1, '00000101'), (2, 3::bit(8)), (3, NULL), (4, nullif(0, 0)::bit(8)), (5, 255::bit(8))",
		"INSERT INTO bits_t VALUES (6, '1')",
		"INSERT INTO bits_t VALUES (6, '0000000x')",
		"SELECT id, b, b::int, b::bigint, get_bit(b, 7), get_bit(b, 0), length(b), bit_length(b) FROM bits_t ORDER BY b, id",
		"SELECT b = 5::bit(8), b < '00000100', b FROM bits_t WHERE b IS NOT NULL ORDER BY id",
		"SELECT get_bit(5::bit(8), 8)",
		"SELECT 300::bit(8), (-1)::bit(40), 5::bit(3), 7::bit, (-2)::bigint::bit(70)",
		"SELECT '01'::bit(3)",
		"SELECT 'x1f'::bit(8), '0102'::bit(4)",
		"SELECT '1111111111111111111111111111111111'::bit(34)::int",
		"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'bits_t'::regclass AND attname = 'b'",
		"SELECT make_interval(secs => 5), make_interval(1, 2, 3, 4, 5, 6, 7.5), make_interval(days => 2, hours => 3), make_interval(), make_interval(2)",
		"SELECT make_interval(secs => 'infinity')",
		"SELECT make_interval(secs => 1, secs => 2)",
		"SELECT make_interval(secs => 1, 2)",
		"SELECT make_interval(nope => 1)",
		"DROP TABLE bits_t",
		"DROP TABLE IF EXISTS upsert_xmax",
		"CREATE TABLE upsert_xmax (k int PRIMARY KEY, v int)",
		"INSERT INTO upsert_xmax VALUES (1, 1), (2, 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v RETURNING k, (xmax <> 0) AS dup",
		"INSERT INTO upsert_xmax VALUES (1, 10), (3, 3) ON CONFLICT (k) DO UPDATE SET v = excluded.v RETURNING *, (xmax != 0) AS dup",
		"INSERT INTO upsert_xmax VALUES (4, 4) RETURNING xmax = 0",
		"DROP TABLE upsert_xmax",
	)
}

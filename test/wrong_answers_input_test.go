package test

import (
	"testing"
	"time"
)

// TestDateStyleInputMatchesPostgres (issue 14 item 8): DateStyle's input
// order governs dates written in numbers, and a year of one or two digits
// is 1970–2069, for each order, compared with PostgreSQL 15.
func TestDateStyleInputMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 120*time.Second)
	inputs := []string{"1/8/1999", "99-01-08", "Jan 08 99", "08-Jan-99", "1999-01-08", "01/02/03",
		"1/8/99", "08 Jan 99", "99 Jan 08", "January 8, 99", "1.8.1999", "01-02-03", "99-Jan-08",
		"Jan-08-99", "19990108", "990108", "8 Jan 2000", "13/1/2000", "1/13/2000", "0099-01-08",
		"Jan 8 99 BC", "08 Jan 1", "1/8/100", "2000 100", "00-01-08", "Jan 08 69", "Jan 08 70",
		"8 jan 99 jan", "10:00 1999-01-08", "Sat, 08 Jan 1999"}
	check := func(q string) { t.Helper(); matchPostgres(t, ctx, pc, lc, q) }
	for _, style := range []string{"dmy", "'ISO, DMY'", "'SQL, DMY'", "German", "'Postgres, MDY'", "ymd", "'ISO, MDY'"} {
		check("SET datestyle = " + style)
		check("SHOW datestyle")
		for _, in := range inputs {
			// to_char: DateStyle's output half is not applied (README)
			check("SELECT to_char(date '" + in + "', 'YYYY-MM-DD BC'), to_char(timestamp '" + in +
				" 10:00', 'YYYY-MM-DD HH24:MI:SS BC'), to_char('" + in + "'::timestamptz, 'YYYY-MM-DD HH24:MI:SS TZH BC')")
		}
		check("SELECT to_char(d, 'YYYY-MM-DD') FROM unnest('{1/8/99,08-Jan-99}'::date[]) d")
	}
	matchPostgres(t, ctx, pc, lc, []string{
		"SET datestyle = 'SQL, MDY'", "SET datestyle = dmy", "SHOW datestyle",
		"SET datestyle = 'ISO, SQL'", "SET datestyle = 'DMY, MDY'", "SET datestyle = 'foo'",
		"SET datestyle = 'iso,iso'", "SHOW datestyle", "SET datestyle = default", "SHOW datestyle",
		// SET LOCAL's value ends with the transaction
		"BEGIN; SET LOCAL datestyle = dmy; SELECT to_char(date '1/8/99', 'YYYY-MM-DD')", "COMMIT",
		"SELECT date '1/8/99'",
	}...)
}

// TestZoneAbbreviationHistoryMatchesPostgres (issue 14 item 18): a time
// zone abbreviation of PostgreSQL's Default set that names a zone (MSK
// is Europe/Moscow) means what it meant in that zone at that time; the
// fixed ones (EST, PDT) are their offsets; a wall clock skipped or
// repeated by a transition resolves as PostgreSQL resolves it.
func TestZoneAbbreviationHistoryMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 120*time.Second)
	var qs []string
	for _, in := range []string{"2011-03-27 02:00:00 MSK", "2011-03-26 02:00:00 MSK", "2011-03-28 02:00:00 MSK",
		"2014-10-26 02:00:00 MSK", "2014-10-26 01:30:00 MSK", "2014-10-27 02:00:00 MSK", "1990-01-01 00:00 MSK",
		"1990-07-01 00:00 MSK", "1990-07-01 00:00 MSD", "1920-07-01 00:00 MSK", "2024-07-01 12:00 EST",
		"2024-07-01 12:00 PDT", "2000-01-01 00:00 IST", "2024-07-01 12:00 WEST", "2024-07-01 12:00 VET",
		"2010-07-01 12:00 VET", "2020-07-01 12:00 CLT", "2024-07-01 12:00 MEZ", "1970-07-01 12:00 SGT",
		"1999-01-08 04:05:06 yekt", "2011-03-27 02:30 Europe/Moscow", "2014-10-26 01:30 Europe/Moscow",
		"2024-11-03 01:30 America/New_York", "2024-03-10 02:30 America/New_York"} {
		qs = append(qs, "SELECT '"+in+"'::timestamptz")
	}
	for _, tz := range []string{"America/New_York", "Europe/Moscow", "Australia/Lord_Howe"} {
		qs = append(qs, "SET TIME ZONE '"+tz+"'")
		for _, in := range []string{"2024-11-03 01:30", "2024-03-10 02:30", "2011-03-27 02:30", "2014-10-26 01:30",
			"2024-04-07 01:45", "2024-10-06 02:15"} {
			qs = append(qs, "SELECT timestamptz '"+in+"', timestamp '"+in+"'::timestamptz")
		}
	}
	qs = append(qs, "SET TIME ZONE 'UTC'")
	matchPostgres(t, ctx, pc, lc, qs...)
}

// TestCursorsMatchPostgres (issue 14 item 20): a cursor declared in a
// savepoint that is rolled back is gone (34000); a query's run-time error
// surfaces at the first FETCH, not at DECLARE; a cursor sees the
// transaction as it was at DECLARE.
func TestCursorsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 120*time.Second)
	execOnEach(t, ctx, "CREATE TABLE cur_t (a int);\nINSERT INTO cur_t VALUES (1), (2)", pc, lc)
	matchPostgres(t, ctx, pc, lc, []string{
		"BEGIN", "SAVEPOINT a", "DECLARE c CURSOR FOR SELECT g FROM generate_series(1, 3) g", "FETCH c",
		"ROLLBACK TO SAVEPOINT a", "FETCH c", "ROLLBACK",
		// a cursor declared before the savepoint stays, at its position
		"BEGIN", "DECLARE d CURSOR FOR SELECT g FROM generate_series(1, 5) g", "FETCH d", "SAVEPOINT b",
		"FETCH d", "ROLLBACK TO SAVEPOINT b", "FETCH d",
		"SAVEPOINT b2", "DECLARE e CURSOR FOR SELECT 1", "RELEASE SAVEPOINT b2", "FETCH e",
		"SAVEPOINT b3", "DECLARE e2 CURSOR WITH HOLD FOR SELECT 1", "ROLLBACK TO b3", "FETCH e2",
		"SAVEPOINT b4", "CLOSE d", "ROLLBACK TO b4", "FETCH d", "ROLLBACK",
		// errors at the FETCH that meets them
		"BEGIN", "DECLARE c1 CURSOR FOR SELECT 10 / (3 - g) FROM generate_series(1, 5) g ORDER BY 1", "FETCH c1", "ROLLBACK",
		"BEGIN", "DECLARE c2 CURSOR FOR SELECT sum(10 / (3 - g)) FROM generate_series(1, 5) g", "FETCH c2", "ROLLBACK",
		"BEGIN", "DECLARE c3 CURSOR FOR SELECT g FROM generate_series(1, 3) g UNION SELECT 1 / (g - 2) FROM generate_series(1, 3) g", "FETCH c3", "ROLLBACK",
		"BEGIN", "DECLARE c4 CURSOR FOR SELECT row_number() OVER (ORDER BY 10 / (3 - g)) FROM generate_series(1, 5) g", "FETCH c4", "ROLLBACK",
		"BEGIN", "DECLARE c5 CURSOR FOR SELECT x FROM (VALUES (1), (0)) v(x) WHERE 1 / x > 0", "FETCH 1 c5", "FETCH 1 c5", "ROLLBACK",
		"BEGIN", "DECLARE c6 CURSOR FOR SELECT 'x'::int", "ROLLBACK",
		// what the cursor reads is the transaction as it was at DECLARE
		"BEGIN", "DECLARE z CURSOR FOR SELECT a FROM cur_t ORDER BY a", "INSERT INTO cur_t VALUES (3)", "FETCH ALL z",
		"DECLARE z2 CURSOR FOR SELECT count(*) FROM cur_t", "DELETE FROM cur_t", "FETCH z2", "ROLLBACK",
	}...)
}

// TestDifftestFindingsMatchPostgres replays what TestDifferential found
// logdb answering where PostgreSQL refuses: a constant that is not a
// position in GROUP BY or ORDER BY (42601), and an aggregate with
// DISTINCT ordered by something not among its arguments (42P10).
func TestDifftestFindingsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndSharedNode(t, 60*time.Second)
	execOnEach(t, ctx, "CREATE TABLE dtf (a int, b text);\nINSERT INTO dtf VALUES (1, 'x'), (2, 'y'), (2, NULL)", pc, lc)
	matchPostgres(t, ctx, pc, lc, []string{
		"SELECT 1 FROM dtf GROUP BY 'a'", "SELECT 1 FROM dtf GROUP BY (1.5)", "SELECT count(*) FROM dtf GROUP BY NULL",
		"SELECT 1 FROM dtf GROUP BY true", "SELECT a FROM dtf ORDER BY 'a'", "SELECT a FROM dtf ORDER BY NULL",
		"SELECT a, count(*) FROM dtf GROUP BY 1 ORDER BY 1", "SELECT a FROM dtf GROUP BY 0.5::float8, a ORDER BY (1)",
		"SELECT string_agg(DISTINCT b, ',' ORDER BY a) FROM dtf", "SELECT string_agg(DISTINCT b, ',' ORDER BY b DESC) FROM dtf",
		"SELECT array_agg(DISTINCT a ORDER BY a) FROM dtf",
	}...)
}

package test

import (
	"strings"
	"testing"
	"time"
)

// TestDomainsMatchPostgres runs domain DDL, the constraints on writes,
// COPY and casts, ALTER DOMAIN over stored values and the catalogs on
// logdb and on PostgreSQL 15 and compares the answers and SQLSTATEs.
func TestDomainsMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgres(t, ctx, pc, lc,
		"CREATE DOMAIN posint AS int CHECK (VALUE > 0)",
		"CREATE DOMAIN posint AS int",
		"CREATE DOMAIN short AS text NOT NULL DEFAULT 'x' CHECK (length(VALUE) < 5) CHECK (VALUE <> 'bad')",
		"CREATE DOMAIN pct AS int CHECK (VALUE >= 0) CONSTRAINT pct_max CHECK (VALUE <= 100)",
		"CREATE DOMAIN code AS varchar(3)",
		"CREATE DOMAIN nodom AS nosuchtype",
		"CREATE DOMAIN badcheck AS int CHECK (nosuchcol > 0)",
		"CREATE DOMAIN d_uniq AS int UNIQUE",
		"CREATE TABLE dm_tab (a int)",
		"CREATE DOMAIN dm_tab AS int",
		"SELECT conname, contype FROM pg_constraint WHERE contypid IN ('posint'::regtype, 'short'::regtype, 'pct'::regtype) ORDER BY conname",
		"SELECT typname, typtype, typbasetype::regtype, typnotnull, typtypmod FROM pg_type WHERE typname IN ('posint', 'short', 'pct', 'code') ORDER BY 1",
		"SELECT format_type('code'::regtype, NULL), pg_type_is_visible('posint'::regtype)",
		// columns of a domain
		"CREATE TABLE dm (id int PRIMARY KEY, a posint, b short, c pct)",
		"INSERT INTO dm VALUES (1, 1, 'ab', 5)",
		"INSERT INTO dm VALUES (2, 0, 'ab', 5)",
		"INSERT INTO dm (id, a) VALUES (3, 2)",
		"INSERT INTO dm VALUES (4, 2, NULL, 5)",
		"INSERT INTO dm VALUES (5, 2, 'bad', 5)",
		"INSERT INTO dm VALUES (6, 2, 'abcdef', 5)",
		"INSERT INTO dm VALUES (7, 2, 'ok', 101)",
		"INSERT INTO dm VALUES (8, NULL, 'ok', NULL)",
		"INSERT INTO dm SELECT 9, -5, 'ok', 1",
		"INSERT INTO dm VALUES (10, 1, 'ok', 1) ON CONFLICT (id) DO NOTHING",
		"INSERT INTO dm VALUES (1, 1, 'ok', 1) ON CONFLICT (id) DO UPDATE SET c = 500",
		"UPDATE dm SET c = 200",
		"UPDATE dm SET c = c + 1 WHERE id = 1",
		"UPDATE dm SET a = a - 1 WHERE id = 1",
		"UPDATE dm SET b = NULL WHERE id = 1",
		"SELECT * FROM dm ORDER BY id",
		"SELECT a + 1, b || '!', c * 2 FROM dm ORDER BY id",
		// casts to a domain
		"SELECT 5::posint, CAST('abc' AS short), 'abcd'::code",
		"SELECT (-1)::posint",
		"SELECT NULL::short",
		"SELECT CAST('abcdef' AS short)",
		"SELECT 101::pct",
		// ALTER DOMAIN and the stored values
		"ALTER DOMAIN posint ADD CONSTRAINT big CHECK (VALUE > 1)",
		"ALTER DOMAIN posint ADD CONSTRAINT big CHECK (VALUE > 0) NOT VALID",
		"ALTER DOMAIN posint ADD CONSTRAINT big CHECK (VALUE > 0)",
		"ALTER DOMAIN posint DROP CONSTRAINT big",
		"ALTER DOMAIN posint DROP CONSTRAINT nope",
		"ALTER DOMAIN posint DROP CONSTRAINT IF EXISTS nope",
		"ALTER DOMAIN posint SET NOT NULL",
		"ALTER DOMAIN pct SET NOT NULL",
		"ALTER DOMAIN pct SET DEFAULT 7",
		"INSERT INTO dm (id, a, b) VALUES (11, 3, 'q')",
		"ALTER DOMAIN pct DROP DEFAULT",
		"INSERT INTO dm (id, a, b) VALUES (12, 3, 'q')",
		"ALTER DOMAIN short DROP NOT NULL",
		"INSERT INTO dm VALUES (13, 4, NULL, NULL)",
		"ALTER DOMAIN short SET NOT NULL",
		"ALTER DOMAIN nope SET NOT NULL",
		"ALTER DOMAIN posint ADD CONSTRAINT posint_check CHECK (VALUE < 1000)",
		"SELECT * FROM dm ORDER BY id",
		"ALTER TABLE dm ADD COLUMN e posint DEFAULT -1",
		"ALTER TABLE dm ADD COLUMN e posint DEFAULT 4",
		"ALTER TABLE dm ADD COLUMN f pct",
		"SELECT id, e, f FROM dm ORDER BY id",
		"ALTER DOMAIN posint RENAME TO natural_num",
		"SELECT 3::natural_num, 'natural_num'::regtype::text",
		"ALTER DOMAIN natural_num RENAME TO posint",
		// the catalogs
		"SELECT domain_schema, domain_name, data_type, character_maximum_length, numeric_precision FROM information_schema.domains WHERE domain_schema = 'public' ORDER BY 2",
		"SELECT column_name, data_type, domain_name FROM information_schema.columns WHERE table_name = 'dm' ORDER BY ordinal_position",
		"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'dm'::regclass AND attnum > 0 ORDER BY attnum",
		// DROP DOMAIN
		"DROP DOMAIN posint",
		"DROP DOMAIN nope",
		"DROP DOMAIN IF EXISTS nope",
		"DROP DOMAIN dm_tab",
		"DROP DOMAIN posint CASCADE",
		"SELECT * FROM dm ORDER BY id",
		"DROP TABLE dm",
		"DROP DOMAIN short, pct, code",
		"SELECT count(*) FROM pg_type WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace",
	)
	// COPY into a column of a domain checks its constraints too
	execOnEach(t, ctx, "CREATE DOMAIN cp_pos AS int CHECK (VALUE > 0);\nCREATE TYPE cp_mood AS ENUM ('sad', 'ok');\nCREATE TABLE cp (a cp_pos, m cp_mood)", pc, lc)
	for _, c := range []struct {
		data, want string
	}{{"1\tok\n2\tsad\n", ""}, {"3\tok\n-1\tok\n", "23514"}, {"4\tnope\n", "22P02"}} {
		_, errL := lc.PgConn().CopyFrom(ctx, strings.NewReader(c.data), "COPY cp FROM STDIN")
		_, errP := pc.PgConn().CopyFrom(ctx, strings.NewReader(c.data), "COPY cp FROM STDIN")
		if sqlState(errL) != sqlState(errP) || sqlState(errP) != c.want {
			t.Errorf("COPY %q: logdb %v, PostgreSQL %v", c.data, errL, errP)
		}
	}
	matchPostgres(t, ctx, pc, lc, "SELECT a, m FROM cp ORDER BY m, a")
}

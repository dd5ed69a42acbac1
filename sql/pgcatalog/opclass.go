package pgcatalog

import (
	"strconv"
	"strings"

	"logdb/sql/types"
)

// The default btree and hash operator classes of logdb's types, as
// PostgreSQL 15 has them (pg_opclass joined to pg_opfamily):
// oid method name family intype familyname. pg_index.indclass names them.
const opclassData = `
1978 403 int4_ops 1976 23 integer_ops
1979 403 int2_ops 1976 21 integer_ops
1981 403 oid_ops 1989 26 oid_ops
3122 403 date_ops 434 1082 datetime_ops
3123 403 float8_ops 1970 701 float_ops
3124 403 int8_ops 1976 20 integer_ops
3125 403 numeric_ops 1988 1700 numeric_ops
3126 403 text_ops 1994 25 text_ops
3127 403 timestamptz_ops 434 1184 datetime_ops
3128 403 timestamp_ops 434 1114 datetime_ops
10000 403 array_ops 397 2277 array_ops
10003 403 bool_ops 424 16 bool_ops
10004 403 bpchar_ops 426 1042 bpchar_ops
10006 403 bytea_ops 428 17 bytea_ops
10007 403 char_ops 429 18 char_ops
10012 403 float4_ops 1970 700 float_ops
10022 403 interval_ops 1982 1186 interval_ops
10028 403 name_ops 1994 19 text_ops
10032 403 oidvector_ops 1991 30 oidvector_ops
10034 403 record_ops 2994 2249 record_ops
10038 403 time_ops 1996 1083 time_ops
10065 403 uuid_ops 2968 2950 uuid_ops
10067 403 pg_lsn_ops 3253 3220 pg_lsn_ops
10088 403 jsonb_ops 4033 3802 jsonb_ops
10001 405 array_ops 627 2277 array_ops
10005 405 bpchar_ops 427 1042 bpchar_ops
10008 405 char_ops 431 18 char_ops
10011 405 date_ops 435 1082 date_ops
10013 405 float4_ops 1971 700 float_ops
10014 405 float8_ops 1971 701 float_ops
10019 405 int2_ops 1977 21 integer_ops
10020 405 int4_ops 1977 23 integer_ops
10021 405 int8_ops 1977 20 integer_ops
10023 405 interval_ops 1983 1186 interval_ops
10029 405 name_ops 1995 19 text_ops
10030 405 numeric_ops 1998 1700 numeric_ops
10031 405 oid_ops 1990 26 oid_ops
10033 405 oidvector_ops 1992 30 oidvector_ops
10035 405 record_ops 6194 2249 record_ops
10037 405 text_ops 1995 25 text_ops
10039 405 time_ops 1997 1083 time_ops
10040 405 timestamptz_ops 1999 1184 timestamptz_ops
10046 405 timestamp_ops 2040 1114 timestamp_ops
10048 405 bool_ops 2222 16 bool_ops
10049 405 bytea_ops 2223 17 bytea_ops
10051 405 xid_ops 2225 28 xid_ops
10066 405 uuid_ops 2969 2950 uuid_ops
10068 405 pg_lsn_ops 3254 3220 pg_lsn_ops
10089 405 jsonb_ops 4034 3802 jsonb_ops
`

type opclass struct {
	oid, method, family uint32
	name, familyName    string
	intype              types.OID
}

var opclasses = func() []opclass {
	var out []opclass
	for _, l := range strings.Split(strings.TrimSpace(opclassData), "\n") {
		f := strings.Fields(l)
		if len(f) != 6 {
			panic("BUG: pgcatalog: bad opclass line " + l)
		}
		n := func(s string) uint32 {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				panic("BUG: pgcatalog: bad opclass line " + l)
			}
			return uint32(v)
		}
		out = append(out, opclass{oid: n(f[0]), method: n(f[1]), name: f[2], family: n(f[3]), intype: n(f[4]), familyName: f[5]})
	}
	return out
}()

// opclassFor is the default operator class of type t for access method
// am, as CREATE INDEX picks it (varchar uses text_ops, arrays array_ops);
// 0 when there is none.
func opclassFor(t types.OID, am uint32) uint32 {
	switch {
	case t == types.VarcharOID:
		t = types.TextOID
	case types.IsArray(t):
		t = types.AnyArrayOID
	}
	for _, c := range opclasses {
		if c.method == am && c.intype == t {
			return c.oid
		}
	}
	return 0
}

func init() {
	rowFuncs["pg_catalog.pg_opclass"] = pgOpclassRows
	rowFuncs["pg_catalog.pg_opfamily"] = pgOpfamilyRows
}

func pgOpclassRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, c := range opclasses {
		r.add("oid", c.oid, "opcmethod", c.method, "opcname", c.name, "opcnamespace", PgCatalogNamespace,
			"opcowner", SuperuserOID, "opcfamily", c.family, "opcintype", c.intype, "opcdefault", true)
	}
	return r.out
}

func pgOpfamilyRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	seen := map[uint32]bool{}
	for _, c := range opclasses {
		if !seen[c.family] {
			seen[c.family] = true
			r.add("oid", c.family, "opfmethod", c.method, "opfname", c.familyName,
				"opfnamespace", PgCatalogNamespace, "opfowner", SuperuserOID)
		}
	}
	return r.out
}

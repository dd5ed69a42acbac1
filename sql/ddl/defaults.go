package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// literalDefault is the text PostgreSQL stores and shows
// (information_schema.columns.column_default, pg_get_expr of pg_attrdef)
// for a DEFAULT that is one constant: the constant as it was typed
// (an untyped string is read as the column's type), printed as ruleutils'
// get_const_expr prints it — DEFAULT '0' on an integer column is 0,
// DEFAULT 'x' on text is 'x'::text, DEFAULT -1 is '-1'::integer. ORMs
// compare this text with their models (knex's columnInfo, TypeORM's
// synchronize). null reports DEFAULT NULL, which PostgreSQL does not
// store. ok is false for any other expression: its text is deparsed.
func literalDefault(p *plan.Planner, n *pg_query.Node, col types.T) (text string, null, ok bool) {
	var t types.T
	var raw string
	if tc := n.GetTypeCast(); tc != nil {
		c := tc.Arg.GetAConst()
		if c == nil || c.GetSval() == nil || len(tc.TypeName.Typmods) > 0 || len(tc.TypeName.ArrayBounds) > 0 {
			return "", false, false
		}
		tt, err := p.TypeFromNode(tc.TypeName)
		if err != nil {
			return "", false, false
		}
		t, raw = tt, c.GetSval().Sval
	} else if c := n.GetAConst(); c != nil {
		switch {
		case c.Isnull:
			return "", true, true
		case c.GetIval() != nil:
			return constText(types.Int4OID, types.TextString(types.T{OID: types.Int4OID, Mod: -1}, int64(c.GetIval().Ival))), false, true
		case c.GetFval() != nil:
			// an integer too big for int4 is an int8 constant, any
			// other number a numeric one
			s := c.GetFval().Fval
			if _, err := types.ParseText(types.T{OID: types.Int8OID, Mod: -1}, s); err == nil && !strings.ContainsAny(s, ".eE") {
				return constText(types.Int8OID, s), false, true
			}
			num := types.T{OID: types.NumericOID, Mod: -1}
			v, err := types.ParseText(num, s)
			if err != nil {
				return "", false, false
			}
			return constText(types.NumericOID, types.TextString(num, v)), false, true
		case c.GetBoolval() != nil:
			if c.GetBoolval().Boolval {
				return "true", false, true
			}
			return "false", false, true
		case c.GetSval() != nil:
			t, raw = col, c.GetSval().Sval
		default:
			return "", false, false
		}
	} else {
		return "", false, false
	}
	// The constant has the type without its typmod (the length
	// coercion is a cast PostgreSQL does not print); a value whose input
	// reads the session (a time zone, 'now') keeps its expression.
	t = types.T{OID: t.OID, Mod: -1}
	if types.InputReadsContext(t) && !fixedDate(t, raw) || t.OID == types.IntervalOID || strings.Contains(types.FormatType(t), "?") {
		return "", false, false
	}
	v, err := types.ParseText(t, raw)
	if err != nil || v == nil {
		return "", false, false
	}
	if p.Cat != nil {
		// a user type is named with its schema, so the stored text
		// means the same type whatever the search path of the session
		// that later inserts (PostgreSQL stores the OID); pgcatalog
		// prints it unqualified where the path shows it
		if d, ok := p.Cat.TypeByOID(uint32(t.OID)); ok {
			return "'" + strings.ReplaceAll(types.TextString(t, v), "'", "''") + "'::" + pgcatalog.QuoteIdent(catalog.SchemaName(d.Schema)) + "." + pgcatalog.QuoteIdent(d.Name), false, true
		}
	}
	return constText(t.OID, types.TextString(t, v)), false, true
}

// constText prints a constant of type oid whose output text is s, as
// PostgreSQL 15's get_const_expr does.
func constText(oid types.OID, s string) string {
	switch oid {
	case types.Int4OID:
		if !strings.HasPrefix(s, "-") {
			return s
		}
	case types.NumericOID:
		if s != "" && s[0] >= '0' && s[0] <= '9' && strings.ContainsAny(s, ".eE") {
			return s
		}
	case types.BoolOID:
		if s == "t" || s == "true" {
			return "true"
		}
		return "false"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'::" + types.FormatType(types.T{OID: oid, Mod: -1})
}

// fixedDate reports a date or timestamp (without time zone) literal that
// names a fixed day, not 'now', 'today', 'tomorrow' or 'yesterday'.
func fixedDate(t types.T, raw string) bool {
	if t.OID != types.DateOID && t.OID != types.TimestampOID {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "now", "today", "tomorrow", "yesterday":
		return false
	}
	return true
}

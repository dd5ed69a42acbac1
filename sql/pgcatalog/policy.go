package pgcatalog

import (
	"sort"
	"strings"

	"logdb/sql/types"
)

// Policy is one row level security policy of a table (pg_policy).
type Policy struct {
	OID        uint32
	Name       string
	Cmd        byte     // polcmd: '*', 'r', 'a', 'w', 'd'
	Permissive bool     // polpermissive
	Roles      []uint32 // polroles; empty is PUBLIC ({0})
	Using      string   // the USING expression as SQL text, "" for none
	WithCheck  string   // the WITH CHECK expression, "" for none
}

func init() {
	rowFuncs["pg_catalog.pg_policy"] = pgPolicyRows
	rowFuncs["pg_catalog.pg_policies"] = pgPoliciesRows
}

// policyExpr is a policy expression of table as pg_policy stores it (and
// pg_get_expr prints it): an operator expression parenthesized, its own
// table's columns unqualified where no sub-query brings others.
func policyExpr(e, table string) any {
	if e == "" {
		return nil
	}
	e = upperValueFunctions(e)
	if !strings.Contains(strings.ToUpper(e), "SELECT") {
		e = dropQualifier(e, QuoteIdent(table)+".")
	}
	if fullyParenthesized(e) || !strings.ContainsAny(e, " ") {
		return e
	}
	return "(" + e + ")"
}

// sqlValueFunctions are the keywords PostgreSQL prints in capitals
// (ruleutils.c), which the stored text has in lower case.
var sqlValueFunctions = map[string]bool{"current_user": true, "session_user": true, "current_role": true,
	"current_date": true, "current_time": true, "current_timestamp": true, "localtime": true,
	"localtimestamp": true, "current_catalog": true, "current_schema": true, "user": true}

// upperValueFunctions writes the SQL value functions of e (outside
// quotes, not called with parentheses) in capitals.
func upperValueFunctions(e string) string {
	var b strings.Builder
	for i := 0; i < len(e); {
		c := e[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(e) && e[j] != c {
				j++
			}
			b.WriteString(e[i:min(j+1, len(e))])
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z':
			j := i
			for j < len(e) && (e[j] == '_' || e[j] >= 'a' && e[j] <= 'z' || e[j] >= '0' && e[j] <= '9') {
				j++
			}
			w := e[i:j]
			if sqlValueFunctions[w] && (i == 0 || e[i-1] != '.') && (j == len(e) || e[j] != '(' && e[j] != '.') {
				w = strings.ToUpper(w)
			}
			b.WriteString(w)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// dropQualifier removes the qualifier q ("t.") where it starts a name,
// outside string literals.
func dropQualifier(e, q string) string {
	return RewriteOutsideLiterals(e, func(e string, i int) (string, int) {
		boundary := i == 0 || !isIdentByte(e[i-1]) && e[i-1] != '.' && e[i-1] != '"'
		if boundary && strings.HasPrefix(e[i:], q) {
			return "", len(q)
		}
		return "", 0
	})
}

// RewriteOutsideLiterals copies a stored expression's text, letting at
// replace what starts at e[i] outside single-quoted literals: at returns
// the text to write instead and the bytes it replaces (0: copy the byte).
// The stored expressions are deparsed by logdb, so their literals are
// plain '…' strings (a quote inside one is doubled, which reads as two
// literals side by side).
func RewriteOutsideLiterals(e string, at func(e string, i int) (string, int)) string {
	var b strings.Builder
	for i := 0; i < len(e); {
		if e[i] == '\'' {
			j := i + 1
			for j < len(e) && e[j] != '\'' {
				j++
			}
			b.WriteString(e[i:min(j+1, len(e))])
			i = j + 1
			continue
		}
		if out, n := at(e, i); n > 0 {
			b.WriteString(out)
			i += n
			continue
		}
		b.WriteByte(e[i])
		i++
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func policyRoles(p *Policy) []uint32 {
	if len(p.Roles) == 0 {
		return []uint32{0}
	}
	return p.Roles
}

func pgPolicyRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Policies {
			p := &t.Policies[j]
			r.add("oid", p.OID, "polname", p.Name, "polrelid", t.OID, "polcmd", p.Cmd, "polpermissive", p.Permissive,
				"polroles", oidArray(policyRoles(p)), "polqual", policyExpr(p.Using, t.Name), "polwithcheck", policyExpr(p.WithCheck, t.Name))
		}
	}
	return r.out
}

var policyCmdNames = map[byte]string{'r': "SELECT", 'a': "INSERT", 'w': "UPDATE", 'd': "DELETE", '*': "ALL"}

func pgPoliciesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Policies {
			p := &t.Policies[j]
			roles := []string{"public"}
			if len(p.Roles) > 0 {
				roles = roles[:0]
				for _, o := range p.Roles {
					roles = append(roles, s.roleName(o))
				}
				sort.Strings(roles)
			}
			names := types.Array{Elem: types.T{OID: types.NameOID, Mod: -1}}
			for _, n := range roles {
				names.Elements = append(names.Elements, n)
			}
			permissive := "PERMISSIVE"
			if !p.Permissive {
				permissive = "RESTRICTIVE"
			}
			r.add("schemaname", schemaOr(t.Schema), "tablename", t.Name, "policyname", p.Name, "permissive", permissive,
				"roles", names, "cmd", policyCmdNames[p.Cmd],
				"qual", exprText(s, policyExpr(p.Using, t.Name)), "with_check", exprText(s, policyExpr(p.WithCheck, t.Name)))
		}
	}
	return r.out
}

// exprText is pg_get_expr of a stored expression (nil stays nil).
func exprText(s *Schema, e any) any {
	if e == nil {
		return nil
	}
	return s.deparseExpr(e.(string))
}

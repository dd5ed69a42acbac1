package plan

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// userType resolves a type name that is no built-in type to a user type
// of the catalog (CREATE TYPE … AS ENUM, CREATE DOMAIN): an enum is its
// own type, a domain its base type (DomainOf says which domain a type
// name names). ok is false when the catalog has no such type either.
func (p *Planner) userType(names []string, mods []int32, arrayDims int) (types.T, bool, error) {
	d, ok := p.lookupUserType(names)
	if last := names[len(names)-1]; !ok && strings.HasPrefix(last, "_") { // _mood is mood[]
		elem := append(append([]string(nil), names[:len(names)-1]...), last[1:])
		if d, ok = p.lookupUserType(elem); ok && d.ArrayOID != 0 {
			arrayDims++
		} else {
			ok = false
		}
	}
	if !ok {
		if len(names) > 1 {
			if s := names[len(names)-2]; p.Cat != nil && !catalog.IsSystemSchema(s) && !p.Cat.SchemaExists(s) {
				return types.T{}, true, pgerror.New("3F000", "schema \"%s\" does not exist", s)
			}
		}
		return types.T{}, false, nil
	}
	if len(mods) > 0 {
		return types.T{}, true, pgerror.New(pgerror.SyntaxError, "type modifier is not allowed for type \"%s\"", d.Name)
	}
	t := types.T{OID: d.OID, Mod: -1}
	if d.Kind == "d" {
		t = d.Base
	}
	if arrayDims > 0 && !types.IsArray(t.OID) {
		a, ok := types.ArrayOf(t)
		if !ok {
			return types.T{}, true, pgerror.New(pgerror.UndefinedObject, "type \"%s[]\" does not exist", d.Name)
		}
		t = a
	}
	return t, true, nil
}

func (p *Planner) lookupUserType(names []string) (*catalog.TypeDesc, bool) {
	if p.Cat == nil || len(names) == 0 {
		return nil, false
	}
	schema := ""
	if len(names) > 1 {
		schema = names[len(names)-2]
	}
	return p.Cat.TypeIn(p.path(), schema, names[len(names)-1])
}

// DomainOf returns the domain a type name names (nil when it names none,
// or names an array of a domain: arrays of domains check nothing here).
func (p *Planner) DomainOf(tn *pg_query.TypeName) *catalog.TypeDesc {
	if tn == nil || len(tn.ArrayBounds) > 0 {
		return nil
	}
	names := NodeStrings(tn.Names)
	if _, err := types.TypeFromName(names[len(names)-1], nil, 0); err == nil {
		return nil
	}
	d, ok := p.lookupUserType(names)
	if !ok || d.Kind != "d" {
		return nil
	}
	return d
}

// userRegtype is 'name'::regtype of a user type (or its array, name[]).
func (p *Planner) userRegtype(arg exec.Expr) (exec.Expr, bool) {
	c, ok := arg.(*exec.ConstExpr)
	if !ok {
		return nil, false
	}
	s, ok := c.V.(string)
	if !ok {
		return nil, false
	}
	if _, err := types.ParseText(types.T{OID: types.RegtypeOID, Mod: -1}, s); err == nil {
		return nil, false
	}
	schema, name, array, ok := types.UserTypeNameOf(s)
	if !ok {
		return nil, false
	}
	names := []string{name}
	if schema != "" {
		names = []string{schema, name}
	}
	d, ok := p.lookupUserType(names)
	if !ok && strings.HasPrefix(name, "_") {
		names[len(names)-1] = name[1:]
		d, ok = p.lookupUserType(names)
		array = true
	}
	if !ok {
		return nil, false
	}
	oid := d.OID
	if array {
		if d.ArrayOID == 0 {
			return nil, false
		}
		oid = d.ArrayOID
	}
	return &exec.ConstExpr{V: int64(oid), T: types.T{OID: types.RegtypeOID, Mod: -1}}, true
}

// DomainCheckFor compiles domain d's constraints over its value (VALUE
// is a column of a one-column row).
func (p *Planner) DomainCheckFor(d *catalog.TypeDesc) (*exec.DomainCheck, error) {
	dc := &exec.DomainCheck{Name: d.Name, NotNull: d.NotNull}
	var err error
	dc.Checks, err = p.compileChecks(d.Checks, &Scope{cols: []exec.Column{{Name: "value", T: d.Base}}})
	return dc, err
}

// columnDefault is the SQL text of c's default: its own, else its
// domain's.
func (p *Planner) columnDefault(c *catalog.Column) string {
	if c.Default != "" || c.Domain == 0 {
		return c.Default
	}
	if d, ok := p.Cat.TypeByOID(c.Domain); ok {
		return d.Default
	}
	return ""
}

// domainColumns are t's columns of a domain type, for its writer.
func (p *Planner) domainColumns(t *catalog.Table) ([]exec.DomainColumn, error) {
	var out []exec.DomainColumn
	for i, c := range t.Columns {
		if c.Domain == 0 {
			continue
		}
		d, ok := p.Cat.TypeByOID(c.Domain)
		if !ok {
			continue
		}
		dc, err := p.DomainCheckFor(d)
		if err != nil {
			return nil, err
		}
		out = append(out, exec.DomainColumn{Col: i, Domain: dc})
	}
	return out, nil
}

// hasDomainColumn reports whether t has a column of a domain type.
func hasDomainColumn(t *catalog.Table) bool {
	for _, c := range t.Columns {
		if c.Domain != 0 {
			return true
		}
	}
	return false
}

// domainCast wraps a cast to the domain tn names (if it names one) with
// the domain's constraints.
func (p *Planner) domainCast(e exec.Expr, tn *pg_query.TypeName) (exec.Expr, error) {
	d := p.DomainOf(tn)
	if d == nil {
		return e, nil
	}
	dc, err := p.DomainCheckFor(d)
	if err != nil {
		return nil, err
	}
	return &exec.DomainCastExpr{E: e, Domain: dc}, nil
}

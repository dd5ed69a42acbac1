package ddl

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// CreateDomain is CREATE DOMAIN name [AS] base [DEFAULT e] [NOT NULL |
// NULL] [CONSTRAINT c] CHECK (VALUE …)…. A domain's values are its base
// type's; columns of the domain remember it (catalog.Column.Domain) and
// their writers check its constraints (exec.DomainCheck).
func CreateDomain(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateDomainStmt) error {
	schema, name, err := createdTypeName(ec, d, plan.NodeStrings(cs.Domainname))
	if err != nil {
		return err
	}
	p := ec.Session.Planner(d.Cat)
	base, err := p.TypeFromNode(cs.TypeName)
	if err != nil {
		return err
	}
	if p.DomainOf(cs.TypeName) != nil {
		return pgerror.Unsupported("domains over domains")
	}
	if types.IsArray(base.OID) || base.OID == types.RecordOID {
		return pgerror.Unsupported("domains over arrays and records")
	}
	oid, err := d.NewOID()
	if err != nil {
		return err
	}
	t := &catalog.TypeDesc{OID: oid, Name: name, Schema: storedSchema(schema), Kind: "d", Owner: d.Owner, Base: base}
	for _, cn := range cs.Constraints {
		con := cn.GetConstraint()
		if con == nil {
			continue
		}
		switch con.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			t.NotNull = true
		case pg_query.ConstrType_CONSTR_NULL:
			t.NotNull = false
		case pg_query.ConstrType_CONSTR_DEFAULT:
			if t.Default, err = domainDefault(p, t, con.RawExpr); err != nil {
				return err
			}
		case pg_query.ConstrType_CONSTR_CHECK:
			if _, err := addDomainCheck(ec, d, p, t, con); err != nil {
				return err
			}
		default:
			return pgerror.New(pgerror.SyntaxError, "%s constraints not possible for domains", strings.ToLower(strings.TrimPrefix(con.Contype.String(), "CONSTR_")))
		}
	}
	return d.PutType(t)
}

// domainDefault checks a domain's DEFAULT and returns its SQL text.
func domainDefault(p *plan.Planner, t *catalog.TypeDesc, n *pg_query.Node) (string, error) {
	e, err := p.CompileExpr(n, &plan.Scope{})
	if err != nil {
		return "", err
	}
	if _, err := p.Coerce(e, t.Base, types.CastAssignment); err != nil {
		return "", err
	}
	return storedExpr(p, n)
}

// addDomainCheck adds CHECK constraint con to t (named <domain>_check,
// _check1, … as PostgreSQL chooses) and returns its predicate.
func addDomainCheck(ec *Ctx, d *catalog.Writer, p *plan.Planner, t *catalog.TypeDesc, con *pg_query.Constraint) (*exec.DomainCheck, error) {
	name := con.Conname
	taken := func(n string) bool {
		for _, ck := range t.Checks {
			if ck.Name == n {
				return true
			}
		}
		return false
	}
	if name == "" {
		name = t.Name + "_check"
		for i := 1; taken(name); i++ {
			name = t.Name + "_check" + strconv.Itoa(i)
		}
	} else if taken(name) {
		return nil, pgerror.New(pgerror.DuplicateObject, "constraint \"%s\" for domain \"%s\" already exists", name, t.Name)
	}
	text, err := storedExpr(p, con.RawExpr)
	if err != nil {
		return nil, err
	}
	oid, err := d.NewOID()
	if err != nil {
		return nil, err
	}
	ck := &catalog.Check{OID: oid, Name: name, Expr: text}
	one := &catalog.TypeDesc{Name: t.Name, Base: t.Base, Checks: []*catalog.Check{ck}}
	dc, err := p.DomainCheckFor(one) // compiles VALUE over the base type
	if err != nil {
		return nil, err
	}
	t.Checks = append(t.Checks, ck)
	return dc, nil
}

// AlterDomain is ALTER DOMAIN … SET/DROP DEFAULT, SET/DROP NOT NULL,
// ADD/DROP CONSTRAINT; SET NOT NULL and ADD CONSTRAINT check the columns
// of the domain as PostgreSQL does (23502, 23514).
func AlterDomain(ec *Ctx, d *catalog.Writer, as *pg_query.AlterDomainStmt, w Noticer) error {
	schema, name, full, err := typeRef(ec, d, plan.NodeStrings(as.TypeName))
	if err != nil {
		return err
	}
	old, ok := d.Cat.TypeIn(ec.Session.Planner(d.Cat).SearchPath(), schema, name)
	if !ok {
		return pgerror.New(pgerror.UndefinedObject, "type \"%s\" does not exist", full)
	}
	if old.Kind != "d" {
		return pgerror.New("42809", "%s is not a domain", name)
	}
	if err := ec.Session.CheckOwner(d.Cat, old.Owner, "type", name); err != nil {
		return err
	}
	t := old.Clone()
	p := ec.Session.Planner(d.Cat)
	switch as.Subtype {
	case "T": // SET DEFAULT / DROP DEFAULT
		t.Default = ""
		if as.Def != nil {
			if t.Default, err = domainDefault(p, t, as.Def); err != nil {
				return err
			}
		}
	case "N": // DROP NOT NULL
		t.NotNull = false
	case "O": // SET NOT NULL
		if !t.NotNull {
			t.NotNull = true
			err := forEachDomainValue(ec, d, t, func(tab *catalog.Table, col *catalog.Column, v types.Datum) error {
				if v == nil {
					return &pgerror.Error{Code: pgerror.NotNullViolation, Table: tab.Name, Column: col.Name,
						Message: "column \"" + col.Name + "\" of table \"" + tab.Name + "\" contains null values"}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	case "C": // ADD CONSTRAINT
		con := as.Def.GetConstraint()
		if con == nil || con.Contype != pg_query.ConstrType_CONSTR_CHECK {
			return pgerror.Unsupported("ALTER DOMAIN … ADD constraints other than CHECK")
		}
		dc, err := addDomainCheck(ec, d, p, t, con)
		if err != nil {
			return err
		}
		if !con.SkipValidation {
			err := forEachDomainValue(ec, d, t, func(tab *catalog.Table, col *catalog.Column, v types.Datum) error {
				if v == nil {
					return nil
				}
				ok, err := dc.Checks[0].E.Eval(ec.Ctx, []types.Datum{v})
				if err != nil {
					return err
				}
				if ok == false {
					return &pgerror.Error{Code: pgerror.CheckViolation, Table: tab.Name, Column: col.Name,
						Message: "column \"" + col.Name + "\" of table \"" + tab.Name + "\" contains values that violate the new constraint"}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	case "X": // DROP CONSTRAINT
		kept := t.Checks[:0]
		found := false
		for _, ck := range t.Checks {
			if ck.Name == as.Name {
				found = true
				continue
			}
			kept = append(kept, ck)
		}
		t.Checks = kept
		if !found {
			if as.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "constraint \""+as.Name+"\" of domain \""+name+"\" does not exist, skipping"))
				return nil
			}
			return pgerror.New(pgerror.UndefinedObject, "constraint \"%s\" of domain \"%s\" does not exist", as.Name, name)
		}
	default:
		return pgerror.Unsupported("ALTER DOMAIN " + as.Subtype)
	}
	return d.PutType(t)
}

// forEachDomainValue calls fn with each stored value of a column of
// domain t, in table OID order.
func forEachDomainValue(ec *Ctx, d *catalog.Writer, t *catalog.TypeDesc, fn func(*catalog.Table, *catalog.Column, types.Datum) error) error {
	for _, tab := range d.Cat.SortedTables() {
		for i, col := range tab.Columns {
			if col.Domain != t.OID {
				continue
			}
			if err := ec.Session.RecordDeps([]uint32{tab.OID}); err != nil {
				return err
			}
			err := forEachRow(ec, tab, func(row []types.Datum, _ exec.RowRef) error { return fn(tab, col, row[i]) })
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// domainCheckOf is the constraints of c's domain, nil for a column of no
// domain.
func domainCheckOf(p *plan.Planner, c *catalog.Column) (*exec.DomainCheck, error) {
	if c.Domain == 0 {
		return nil, nil
	}
	d, ok := p.Cat.TypeByOID(c.Domain)
	if !ok {
		return nil, nil
	}
	return p.DomainCheckFor(d)
}

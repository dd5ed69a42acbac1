package exec

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// DomainCheck is a domain's constraints (CREATE DOMAIN … NOT NULL
// CHECK (VALUE …)), checked where a value becomes the domain's: a column
// of the domain written by INSERT, UPDATE or COPY, and a cast to it.
// Each check is evaluated over a one-column row holding the value.
type DomainCheck struct {
	Name    string // the domain's
	NotNull bool
	Checks  []CheckExpr
}

// Check fails with PostgreSQL's 23502 or 23514 when v breaks the domain's
// constraints; a NULL passes every CHECK, as in PostgreSQL.
func (d *DomainCheck) Check(ec *Ctx, v types.Datum) error {
	if v == nil {
		if d.NotNull {
			return &pgerror.Error{Code: pgerror.NotNullViolation, Message: "domain " + d.Name + " does not allow null values"}
		}
		return nil
	}
	row := []types.Datum{v}
	for _, ck := range d.Checks {
		ok, err := ck.E.Eval(ec, row)
		if err != nil {
			return err
		}
		if ok == false {
			return &pgerror.Error{Code: pgerror.CheckViolation, Constraint: ck.Name,
				Message: "value for domain " + d.Name + " violates check constraint \"" + ck.Name + "\""}
		}
	}
	return nil
}

// DomainCastExpr is a cast to a domain: the cast to its base type, then
// the domain's constraints.
type DomainCastExpr struct {
	E      Expr
	Domain *DomainCheck
}

func (e *DomainCastExpr) Eval(ec *Ctx, row []types.Datum) (types.Datum, error) {
	v, err := e.E.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	return v, e.Domain.Check(ec, v)
}

func (e *DomainCastExpr) Type() types.T { return e.E.Type() }

// DomainColumn is a column of a domain type in a TableWriter.
type DomainColumn struct {
	Col    int
	Domain *DomainCheck
}

// checkDomains checks the domain columns of a new row version.
func (w *TableWriter) checkDomains(ec *Ctx, row []types.Datum) error {
	for _, dc := range w.Domains {
		if err := dc.Domain.Check(ec, row[dc.Col]); err != nil {
			return err
		}
	}
	return nil
}

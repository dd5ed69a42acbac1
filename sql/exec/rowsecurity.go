package exec

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// RLSCheck is one of PostgreSQL's row level security WITH CHECK options:
// a condition a new (or, Using, an existing) row must hold, else 42501.
// The planner builds them from the policies that apply (plan/rowsecurity.go):
// one for the OR of the permissive policies (false when none applies),
// one per restrictive policy, which names it.
type RLSCheck struct {
	E      Expr
	Policy string // the restrictive policy's name, "" for the permissive ones
	Using  bool   // an ON CONFLICT DO UPDATE's or MERGE's existing row
	Target bool   // MERGE's existing row ("target row violates …")
}

// CheckRowSecurity fails with 42501 unless row holds every check (MERGE
// checks its target rows so).
func CheckRowSecurity(ec *Ctx, table string, checks []RLSCheck, row []types.Datum) error {
	return checkRowSecurity(ec, table, checks, row)
}

// checkRowSecurity fails on the first check row does not hold (false or
// NULL).
func checkRowSecurity(ec *Ctx, table string, checks []RLSCheck, row []types.Datum) error {
	for _, c := range checks {
		ok, err := evalBool(ec, c.E, row)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		msg := "new row violates row-level security policy"
		if c.Target {
			msg = "target row violates row-level security policy"
		}
		if c.Policy != "" {
			msg += " \"" + c.Policy + "\""
		}
		if c.Using {
			msg += " (USING expression)"
		}
		return pgerror.New(pgerror.InsufficientPrivilege, "%s for table \"%s\"", msg, table)
	}
	return nil
}

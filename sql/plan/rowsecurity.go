package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Row level security, as PostgreSQL's rewriter applies it
// (rowsecurity.c). When a table's row level security holds for the role
// (Host.RowSecurityApplies), its policies for the command that apply to
// the role are compiled over the table's row: the permissive ones'
// expressions OR-ed (false without one: default deny), AND-ed with each
// restrictive one's. USING filters the rows a statement reads
// (ScanNode.Security); WITH CHECK, or USING where a policy has none,
// is checked on each new row (exec.RLSCheck). A statement that reads the
// target's columns (WHERE, SET's values, RETURNING) is also held to the
// SELECT policies, as PostgreSQL holds it when it needs SELECT.

// codeInfiniteRecursion is 42P17 (a policy reaching its own table).
const codeInfiniteRecursion = "42P17"

// CompilePolicy compiles a policy's expression over t's row as a
// condition (CREATE POLICY checks it so).
func (p *Planner) CompilePolicy(n *pg_query.Node, t *catalog.Table) (exec.Expr, error) {
	// the expression is over t's row alone: what compiling it notes of
	// outer references is not the statement's
	saved, savedCorrelated := p.where, p.correlated
	p.where = "policy expressions"
	p.policyDepth++
	defer func() { p.where, p.correlated = saved, savedCorrelated; p.policyDepth-- }()
	e, err := p.CompileExpr(n, TableScope(t, nil, nil))
	if err != nil {
		return nil, err
	}
	b, err := p.Coerce(e, exec.BoolT, types.CastImplicit)
	if err != nil {
		return nil, pgerror.New(pgerror.DatatypeMismatch, "argument of POLICY must be type boolean, not type %s", types.FormatType(e.Type()))
	}
	return b, nil
}

// rlsApplies reports whether t's row level security holds for the
// statement's role, or, in a view, for the view's owner (as PostgreSQL
// applies it to a view that is not security_invoker).
func (p *Planner) rlsApplies(t *catalog.Table) (bool, error) {
	return p.Host.RowSecurityApplies(p.Cat, t, p.viewOwner)
}

// policyExprs compiles the USING (check false) or WITH CHECK (check
// true: WITH CHECK, else USING) expressions of t's policies for cmd that
// apply to the current role: the permissive ones OR-ed into perm (a false
// constant when there is none) and the restrictive ones, each with its
// name.
func (p *Planner) policyExprs(t *catalog.Table, cmd byte, check bool) (perm exec.Expr, restr []exec.RLSCheck, err error) {
	if p.rlsExpanding[t.OID] {
		return nil, nil, pgerror.New(codeInfiniteRecursion, "infinite recursion detected in policy for relation \"%s\"", t.Name)
	}
	if p.rlsExpanding == nil {
		p.rlsExpanding = map[uint32]bool{}
	}
	p.rlsExpanding[t.OID] = true
	defer delete(p.rlsExpanding, t.OID)
	var perms []exec.Expr
	for _, pol := range t.Policies {
		if !pol.AppliesTo(cmd) || !p.Host.HasPrivsOfRoles(p.Cat, p.viewOwner, pol.Roles) {
			continue
		}
		text := pol.Using
		if check && pol.Check != "" {
			text = pol.Check
		}
		if text == "" {
			continue // no expression: PostgreSQL skips the policy
		}
		n, err := p.Host.ParseExpr(text)
		if err != nil {
			return nil, nil, err
		}
		e, err := p.CompilePolicy(n, t)
		if err != nil {
			return nil, nil, err
		}
		if pol.Restrictive {
			restr = append(restr, exec.RLSCheck{E: e, Policy: pol.Name})
		} else {
			perms = append(perms, e)
		}
	}
	switch len(perms) {
	case 0:
		// default deny; the restrictive ones do not matter
		return &exec.ConstExpr{V: false, T: exec.BoolT}, nil, nil
	case 1:
		perm = perms[0]
	default:
		perm = &exec.OrExpr{Args: perms}
	}
	return perm, restr, nil
}

// usingExpr is the condition on the rows cmd reads of t: its policies'
// USING expressions combined.
func (p *Planner) usingExpr(t *catalog.Table, cmd byte) (exec.Expr, error) {
	perm, restr, err := p.policyExprs(t, cmd, false)
	if err != nil {
		return nil, err
	}
	if c, ok := perm.(*exec.ConstExpr); ok && c.V == false {
		return perm, nil
	}
	es := []exec.Expr{perm}
	for _, r := range restr {
		es = append(es, r.E)
	}
	return exec.AndOf(es), nil
}

// scanSecurity is the condition row level security puts on a scan of t
// (nil: none). rv is the scan's range variable, locked whether a locking
// clause covers it.
func (p *Planner) scanSecurity(t *catalog.Table, rv *pg_query.RangeVar, locked bool) (exec.Expr, error) {
	applies, err := p.rlsApplies(t)
	if err != nil || !applies {
		return nil, err
	}
	var cmds []byte
	switch {
	case rv == p.dmlTarget && p.dmlCmd != 0:
		cmds = append(cmds, p.dmlCmd)
		if p.dmlReads {
			cmds = append(cmds, catalog.PolicySelect)
		}
	case locked:
		cmds = []byte{catalog.PolicySelect, catalog.PolicyUpdate}
	default:
		cmds = []byte{catalog.PolicySelect}
	}
	var es []exec.Expr
	for _, cmd := range cmds {
		e, err := p.usingExpr(t, cmd)
		if err != nil {
			return nil, err
		}
		if c, ok := e.(*exec.ConstExpr); ok && c.V == false {
			return e, nil
		}
		es = append(es, e)
	}
	return exec.AndOf(es), nil
}

// rlsChecks are the checks of a new row of t for cmd, then (withSelect)
// those of the SELECT policies' USING, as PostgreSQL orders its WITH
// CHECK options.
func (p *Planner) rlsChecks(t *catalog.Table, cmd byte, withSelect, using bool) ([]exec.RLSCheck, error) {
	var out []exec.RLSCheck
	add := func(cmd byte, check bool) error {
		perm, restr, err := p.policyExprs(t, cmd, check)
		if err != nil {
			return err
		}
		out = append(out, exec.RLSCheck{E: perm, Using: using})
		for _, r := range restr {
			r.Using = using
			out = append(out, r)
		}
		return nil
	}
	if err := add(cmd, !using); err != nil {
		return nil, err
	}
	if withSelect {
		if err := add(catalog.PolicySelect, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setWriterSecurity gives the writer of a statement's target t the row
// level security checks of its command (verb: insert, update, delete);
// upsert is ON CONFLICT DO UPDATE, reads whether the statement reads the
// target's columns.
func (p *Planner) setWriterSecurity(w *exec.TableWriter, t *catalog.Table, verb string, upsert, reads bool) error {
	applies, err := p.rlsApplies(t)
	if err != nil || !applies {
		return err
	}
	switch verb {
	case "insert":
		if w.InsertRLS, err = p.rlsChecks(t, catalog.PolicyInsert, reads, false); err != nil {
			return err
		}
		if upsert {
			if w.ConflictRLS, err = p.rlsChecks(t, catalog.PolicyUpdate, reads, true); err != nil {
				return err
			}
			w.UpdateRLS, err = p.rlsChecks(t, catalog.PolicyUpdate, reads, false)
		}
	case "update":
		w.UpdateRLS, err = p.rlsChecks(t, catalog.PolicyUpdate, reads, false)
	}
	return err
}

// mergeSecurity sets up MERGE's row level security as PostgreSQL 15 does:
// the target's rows are read under its SELECT policies (the planner's
// target scan), a row an UPDATE or DELETE action changes must pass that
// command's USING (else 42501 "target row violates …"), and new rows the
// INSERT and UPDATE WITH CHECKs.
func (p *Planner) mergeSecurity(w *exec.TableWriter, mi *mergeInto, t *catalog.Table) error {
	applies, err := p.rlsApplies(t)
	if err != nil || !applies {
		return err
	}
	if w.InsertRLS, err = p.rlsChecks(t, catalog.PolicyInsert, false, false); err != nil {
		return err
	}
	if w.UpdateRLS, err = p.rlsChecks(t, catalog.PolicyUpdate, false, false); err != nil {
		return err
	}
	target := func(cmd byte) ([]exec.RLSCheck, error) {
		cs, err := p.rlsChecks(t, cmd, false, true)
		for i := range cs {
			cs[i].Target = true
		}
		return cs, err
	}
	if mi.updateRLS, err = target(catalog.PolicyUpdate); err != nil {
		return err
	}
	mi.deleteRLS, err = target(catalog.PolicyDelete)
	return err
}

// readsColumns reports whether any of the expressions refers to a column
// (or *), which makes PostgreSQL require SELECT on the target.
func readsColumns(ns ...*pg_query.Node) bool {
	found := false
	for _, n := range ns {
		WalkNodes(n, func(x *pg_query.Node) bool {
			if x.GetColumnRef() != nil {
				found = true
			}
			return !found
		})
	}
	return found
}

// insertReads reports whether an INSERT reads its target's columns
// (RETURNING, or ON CONFLICT DO UPDATE's SET values and WHERE other than
// through excluded), which makes PostgreSQL require SELECT on it.
func insertReads(ins *pg_query.InsertStmt) bool {
	if len(ins.ReturningList) > 0 {
		return true
	}
	oc := ins.OnConflictClause
	if oc == nil {
		return false
	}
	found := false
	visit := func(n *pg_query.Node) {
		WalkNodes(n, func(x *pg_query.Node) bool {
			if cr := x.GetColumnRef(); cr != nil {
				if f := NodeStrings(cr.Fields); len(f) != 2 || f[0] != "excluded" {
					found = true
				}
			}
			return !found
		})
	}
	for _, t := range oc.TargetList {
		visit(t.GetResTarget().GetVal())
	}
	visit(oc.WhereClause)
	return found
}

// RowSecurityApplies reports whether t's row level security holds for
// the statement's role (COPY FROM refuses a table it holds for).
func (p *Planner) RowSecurityApplies(t *catalog.Table) (bool, error) { return p.rlsApplies(t) }

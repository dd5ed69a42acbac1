package ddl

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// Row level security policies: CREATE, ALTER and DROP POLICY and ALTER
// POLICY … RENAME, with PostgreSQL's checks and messages (policy.c). A
// policy is stored in its table's descriptor (catalog.Policy); the
// planner applies it (sql/plan/rowsecurity.go).

// MaxPoliciesPerTable bounds a table's policies (each one is in the
// table's descriptor, and every statement over the table compiles those
// that apply to it).
const MaxPoliciesPerTable = 1000

// CreatePolicy runs CREATE POLICY.
func CreatePolicy(ec *Ctx, d *catalog.Writer, cs *pg_query.CreatePolicyStmt, w Noticer) error {
	t0, err := policyTable(ec, d, cs.Table)
	if err != nil {
		return err
	}
	cmd := policyCmd(cs.CmdName)
	if err := checkPolicyClauses(cmd, cs.Qual, cs.WithCheck); err != nil {
		return err
	}
	if t0.Policy(cs.PolicyName) != nil {
		return pgerror.New(pgerror.DuplicateObject, "policy \"%s\" for table \"%s\" already exists", cs.PolicyName, t0.Name)
	}
	if len(t0.Policies) >= MaxPoliciesPerTable {
		return pgerror.New(pgerror.ProgramLimitExceeded, "too many policies on table \"%s\" (at most %d)", t0.Name, MaxPoliciesPerTable)
	}
	pol := &catalog.Policy{Name: cs.PolicyName, Cmd: cmd, Restrictive: !cs.Permissive}
	if pol.Roles, err = policyRoles(ec, d, cs.Roles, w); err != nil {
		return err
	}
	if pol.Using, err = policyExpr(ec, d, t0, cs.Qual); err != nil {
		return err
	}
	if pol.Check, err = policyExpr(ec, d, t0, cs.WithCheck); err != nil {
		return err
	}
	if pol.Refs, err = policyRefs(ec, d, t0, pol); err != nil {
		return err
	}
	if pol.OID, err = d.NewOID(); err != nil {
		return err
	}
	t := t0.Clone()
	t.Policies = append(t.Policies, pol)
	sort.Slice(t.Policies, func(i, j int) bool { return t.Policies[i].Name < t.Policies[j].Name })
	return d.PutTable(t)
}

// AlterPolicy runs ALTER POLICY name ON t [TO roles] [USING (…)] [WITH
// CHECK (…)].
func AlterPolicy(ec *Ctx, d *catalog.Writer, as *pg_query.AlterPolicyStmt, w Noticer) error {
	t0, err := policyTable(ec, d, as.Table)
	if err != nil {
		return err
	}
	old := t0.Policy(as.PolicyName)
	if old == nil {
		return undefinedPolicy(as.PolicyName, t0.Name)
	}
	if err := checkPolicyClauses(old.Cmd, as.Qual, as.WithCheck); err != nil {
		return err
	}
	pol := *old
	if len(as.Roles) > 0 {
		if pol.Roles, err = policyRoles(ec, d, as.Roles, w); err != nil {
			return err
		}
	}
	if as.Qual != nil {
		if pol.Using, err = policyExpr(ec, d, t0, as.Qual); err != nil {
			return err
		}
	}
	if as.WithCheck != nil {
		if pol.Check, err = policyExpr(ec, d, t0, as.WithCheck); err != nil {
			return err
		}
	}
	if pol.Refs, err = policyRefs(ec, d, t0, &pol); err != nil {
		return err
	}
	t := t0.Clone()
	*t.Policy(pol.Name) = pol
	return d.PutTable(t)
}

// RenamePolicy runs ALTER POLICY name ON t RENAME TO new.
func RenamePolicy(ec *Ctx, d *catalog.Writer, rs *pg_query.RenameStmt) error {
	t0, err := policyTable(ec, d, rs.Relation)
	if err != nil {
		return err
	}
	if t0.Policy(rs.Subname) == nil {
		return undefinedPolicy(rs.Subname, t0.Name)
	}
	if t0.Policy(rs.Newname) != nil {
		return pgerror.New(pgerror.DuplicateObject, "policy \"%s\" for table \"%s\" already exists", rs.Newname, t0.Name)
	}
	t := t0.Clone()
	t.Policy(rs.Subname).Name = rs.Newname
	sort.Slice(t.Policies, func(i, j int) bool { return t.Policies[i].Name < t.Policies[j].Name })
	return d.PutTable(t)
}

// DropPolicy runs DROP POLICY [IF EXISTS] name ON t.
func DropPolicy(ec *Ctx, d *catalog.Writer, ds *pg_query.DropStmt, w Noticer) error {
	for _, obj := range ds.Objects {
		names := plan.NodeStrings(obj.GetList().Items)
		if len(names) < 2 {
			return pgerror.New(pgerror.SyntaxError, "DROP POLICY needs ON table")
		}
		rv := &pg_query.RangeVar{Relname: names[len(names)-2]}
		if len(names) > 2 {
			rv.Schemaname = names[len(names)-3]
		}
		name := names[len(names)-1]
		key, err := relKey(ec, d, rv)
		if err != nil {
			return err
		}
		t0, ok := d.Cat.Tables[key]
		if !ok {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "relation \""+rv.Relname+"\" does not exist, skipping"))
				continue
			}
			return plan.UndefinedTable(rv)
		}
		if t0.Policy(name) == nil {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "policy \""+name+"\" for relation \""+t0.Name+"\" does not exist, skipping"))
				continue
			}
			return undefinedPolicy(name, t0.Name)
		}
		if err := ec.Session.CheckOwner(d.Cat, t0.Owner, "table", t0.Name); err != nil {
			return err
		}
		t := t0.Clone()
		t.Policies = slices.DeleteFunc(t.Policies, func(p *catalog.Policy) bool { return p.Name == name })
		if err := d.PutTable(t); err != nil {
			return err
		}
	}
	return nil
}

func undefinedPolicy(name, table string) error {
	return pgerror.New(pgerror.UndefinedObject, "policy \"%s\" for table \"%s\" does not exist", name, table)
}

// policyTable finds a policy statement's table, which the current role
// must own.
func policyTable(ec *Ctx, d *catalog.Writer, rv *pg_query.RangeVar) (*catalog.Table, error) {
	key, err := relKey(ec, d, rv)
	if err != nil {
		return nil, err
	}
	t, ok := d.Cat.Tables[key]
	if !ok {
		if d.Cat.RelationExists(key) {
			return nil, pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a table", rv.Relname)
		}
		return nil, plan.UndefinedTable(rv)
	}
	if err := ec.Session.CheckOwner(d.Cat, t.Owner, "table", t.Name); err != nil {
		return nil, err
	}
	return t, nil
}

func policyCmd(name string) byte {
	switch name {
	case "select":
		return catalog.PolicySelect
	case "insert":
		return catalog.PolicyInsert
	case "update":
		return catalog.PolicyUpdate
	case "delete":
		return catalog.PolicyDelete
	}
	return catalog.PolicyAll
}

// checkPolicyClauses refuses the clauses a command's policy cannot have.
func checkPolicyClauses(cmd byte, using, check *pg_query.Node) error {
	if cmd == catalog.PolicyInsert && using != nil {
		return pgerror.New(pgerror.SyntaxError, "only WITH CHECK expression allowed for INSERT")
	}
	if (cmd == catalog.PolicySelect || cmd == catalog.PolicyDelete) && check != nil {
		return pgerror.New(pgerror.SyntaxError, "WITH CHECK cannot be applied to SELECT or DELETE")
	}
	return nil
}

// policyRoles resolves TO's roles to OIDs; PUBLIC (or no TO) is none. As
// in PostgreSQL, PUBLIC with other roles warns and means PUBLIC.
func policyRoles(ec *Ctx, d *catalog.Writer, specs []*pg_query.Node, w Noticer) ([]uint32, error) {
	var out []uint32
	public := false
	for _, n := range specs {
		rs := n.GetRoleSpec()
		if rs.GetRoletype() == pg_query.RoleSpecType_ROLESPEC_PUBLIC {
			public = true
			continue
		}
		name, err := RoleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), rs)
		if err != nil {
			return nil, err
		}
		r, err := LookupRole(d.Cat, name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, r.OID) {
			out = append(out, r.OID)
		}
	}
	if public {
		if len(out) > 0 {
			_ = w.Notice(&pgerror.Error{Code: pgerror.Warning, Severity: "WARNING", Message: "ignoring specified roles other than PUBLIC",
				Hint: "All roles are members of the PUBLIC role."})
		}
		return nil, nil
	}
	return out, nil
}

// policyExpr checks a USING or WITH CHECK expression over t's columns
// (boolean, no aggregates, window functions or set-returning functions)
// and returns the text stored for it; nil is "".
func policyExpr(ec *Ctx, d *catalog.Writer, t *catalog.Table, n *pg_query.Node) (string, error) {
	if n == nil {
		return "", nil
	}
	p := ec.Session.Planner(d.Cat)
	if _, err := p.CompilePolicy(n, t); err != nil {
		return "", err
	}
	return storedExpr(p, n)
}

// policyRefs lists the tables other than t that pol's expressions read.
func policyRefs(ec *Ctx, d *catalog.Writer, t *catalog.Table, pol *catalog.Policy) ([]uint32, error) {
	p := ec.Session.Planner(d.Cat)
	for _, text := range []string{pol.Using, pol.Check} {
		if text == "" {
			continue
		}
		n, err := ec.Session.ParseExpr(text)
		if err != nil {
			return nil, err
		}
		if _, err := p.CompilePolicy(n, t); err != nil {
			return nil, err
		}
	}
	var out []uint32
	for _, o := range p.Deps {
		if o != t.OID {
			out = append(out, o)
		}
	}
	return out, nil
}

// policyDependents are the policies of tables other than t (and those
// being dropped with it) that read t.
func policyDependents(cat *catalog.Catalog, t *catalog.Table, dropping map[uint32]bool) (deps []string, tables []*catalog.Table) {
	for _, o := range cat.SortedTables() {
		if o.OID == t.OID || dropping[o.OID] {
			continue
		}
		for _, pol := range o.Policies {
			if slices.Contains(pol.Refs, t.OID) {
				deps = append(deps, "policy "+pol.Name+" on table "+o.Name)
				tables = append(tables, o)
			}
		}
	}
	return deps, tables
}

// dropDependentPolicies drops the policies of tables that read t (DROP
// TABLE t CASCADE), or fails as PostgreSQL does without CASCADE.
func dropDependentPolicies(d *catalog.Writer, t *catalog.Table, dropping map[uint32]bool, cascade bool, w Noticer) error {
	deps, tables := policyDependents(d.Cat, t, dropping)
	if len(deps) == 0 {
		return nil
	}
	if !cascade {
		lines := make([]string, len(deps))
		for i, s := range deps {
			lines[i] = s + " depends on table " + t.Name
		}
		return &pgerror.Error{Code: pgerror.DependentObjectsStillExist,
			Message: "cannot drop table " + t.Name + " because other objects depend on it",
			Detail:  strings.Join(lines, "\n"),
			Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
	}
	for _, o := range tables {
		cur := d.Cat.ByOID[o.OID]
		if cur == nil {
			continue
		}
		nt := cur.Clone()
		nt.Policies = slices.DeleteFunc(nt.Policies, func(p *catalog.Policy) bool { return slices.Contains(p.Refs, t.OID) })
		if err := d.PutTable(nt); err != nil {
			return err
		}
	}
	n := Notice(pgerror.SuccessfulCompletion, "drop cascades to "+deps[0])
	if len(deps) > 1 {
		n.Message = "drop cascades to " + strconv.Itoa(len(deps)) + " other objects"
		lines := make([]string, len(deps))
		for i, s := range deps {
			lines[i] = "drop cascades to " + s
		}
		n.Detail = strings.Join(lines, "\n")
	}
	_ = w.Notice(n)
	return nil
}

// policiesReading lists t's policies whose expressions read column col.
func policiesReading(ec *Ctx, t *catalog.Table, col string) []*catalog.Policy {
	var out []*catalog.Policy
	for _, pol := range t.Policies {
		for _, text := range []string{pol.Using, pol.Check} {
			if text == "" {
				continue
			}
			if n, err := ec.Session.ParseExpr(text); err == nil && slices.Contains(columnRefs(n), col) {
				out = append(out, pol)
				break
			}
		}
	}
	return out
}

// dropColumnPolicies drops t's policies that read column col (DROP
// COLUMN … CASCADE), or fails as PostgreSQL does without CASCADE.
func dropColumnPolicies(ec *Ctx, t *catalog.Table, col string, cascade bool, w Noticer) error {
	pols := policiesReading(ec, t, col)
	if len(pols) == 0 {
		return nil
	}
	if !cascade {
		lines := make([]string, len(pols))
		for i, p := range pols {
			lines[i] = "policy " + p.Name + " on table " + t.Name + " depends on column " + col + " of table " + t.Name
		}
		return &pgerror.Error{Code: pgerror.DependentObjectsStillExist,
			Message: "cannot drop column " + col + " of table " + t.Name + " because other objects depend on it",
			Detail:  strings.Join(lines, "\n"),
			Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
	}
	for _, p := range pols {
		_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "drop cascades to policy "+p.Name+" on table "+t.Name))
	}
	t.Policies = slices.DeleteFunc(t.Policies, func(p *catalog.Policy) bool { return slices.Contains(pols, p) })
	return nil
}

// checkAlterTypePolicies refuses ALTER COLUMN … TYPE of a column a policy
// reads, as PostgreSQL does.
func checkAlterTypePolicies(ec *Ctx, t *catalog.Table, col string) error {
	if pols := policiesReading(ec, t, col); len(pols) > 0 {
		return &pgerror.Error{Code: pgerror.FeatureNotSupported, Message: "cannot alter type of a column used in a policy definition",
			Detail: "policy " + pols[0].Name + " on table " + t.Name + " depends on column \"" + col + "\""}
	}
	return nil
}

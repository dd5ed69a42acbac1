package plan_test

import (
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// superuser is the Host of a superuser's session: every check passes.
// It is the caller's side of plan.Host, not the code under test.
type superuser struct{}

func (superuser) CheckTablePriv(*catalog.Catalog, *catalog.Table, byte) error    { return nil }
func (superuser) CheckViewPriv(*catalog.Catalog, *catalog.View, byte) error      { return nil }
func (superuser) CheckSeqPriv(*catalog.Catalog, *catalog.Sequence, string) error { return nil }
func (superuser) IsSuperuser(*catalog.Catalog) bool                              { return true }
func (superuser) RowSecurityApplies(*catalog.Catalog, *catalog.Table, uint32) (bool, error) {
	return false, nil
}
func (superuser) HasPrivsOfRoles(*catalog.Catalog, uint32, []uint32) bool { return true }
func (superuser) InputCtx() *types.EvalContext                            { return &types.EvalContext{} }
func (superuser) CatalogSchema() *pgcatalog.Schema                        { return nil }
func (superuser) ParseExpr(text string) (*pg_query.Node, error)           { return parseOne("SELECT " + text) }
func (superuser) ParseQuery(text string) ([]*pg_query.Node, error) {
	n, err := parseOne(text)
	return []*pg_query.Node{n}, err
}
func (superuser) PlanTableFunc(*plan.Planner, string, []exec.Expr, *pg_query.RangeFunction) (*plan.FromItem, bool, error) {
	return nil, false, nil
}

func parseOne(q string) (*pg_query.Node, error) {
	res, err := pg_query.Parse(q)
	if err != nil {
		return nil, err
	}
	return res.Stmts[0].Stmt, nil
}

var (
	int8T = types.T{OID: types.Int8OID, Mod: -1}
	textT = types.T{OID: types.TextOID, Mod: -1}
)

// orders(id bigint primary key, cust bigint, note text) with an index on
// cust.
func testCatalog() *catalog.Catalog {
	cat := catalog.NewCatalogWithRoles()
	cat.AddTable(&catalog.Table{OID: 16384, Name: "orders", Space: kv.FirstUserSpace, NextCol: 4,
		Columns: []*catalog.Column{{ID: 1, Name: "id", Type: int8T, NotNull: true}, {ID: 2, Name: "cust", Type: int8T}, {ID: 3, Name: "note", Type: textT}},
		PK:      []uint32{1}, PKName: "orders_pkey",
		Indexes: []*catalog.Index{{OID: 16386, Name: "orders_cust_idx", Space: kv.FirstUserSpace + 1, Columns: []uint32{2}}}})
	return cat
}

// scanOf finds the table scan under the nodes a simple query puts above it.
func scanOf(t *testing.T, n exec.Node) *exec.ScanNode {
	t.Helper()
	for {
		switch x := n.(type) {
		case *exec.ScanNode:
			return x
		case *exec.ProjectNode:
			n = x.Src
		case *exec.RenameNode:
			n = x.Src
		case *exec.TrimNode:
			n = x.Src
		case *exec.FilterNode:
			n = x.Src
		default:
			t.Fatalf("no scan under %T", n)
		}
	}
}

// The access path comes from the WHERE conjuncts, as EXPLAIN shows it.
func TestAccessPaths(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"SELECT note FROM orders WHERE id = 5", "Point Get on orders (primary key)"},
		{"SELECT note FROM orders WHERE id IN (1, 2, 3)", "Multi Point Get on orders (primary key)"},
		{"SELECT note FROM orders WHERE id = ANY('{4,5}'::bigint[])", "Multi Point Get on orders (primary key)"},
		{"SELECT id FROM orders WHERE cust = 7", "Index Scan on orders using orders_cust_idx (1 eq)"},
		{"SELECT id FROM orders WHERE note = 'x'", "Seq Scan on orders"},
		{"SELECT id FROM orders", "Seq Scan on orders"},
		{"SELECT id FROM orders o WHERE o.id = 5 AND o.note <> ''", "Point Get on orders (primary key)"},
	} {
		n, err := parseOne(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		p := &plan.Planner{Host: superuser{}, Cat: testCatalog()}
		node, err := p.PlanQuery(n, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if got := scanOf(t, node).Describe(); got != tc.want {
			t.Errorf("%s:\n  got  %s\n  want %s", tc.q, got, tc.want)
		}
		if len(p.Deps) != 1 || p.Deps[0] != 16384 {
			t.Errorf("%s: Deps = %v, want the table", tc.q, p.Deps)
		}
	}
}

// Errors carry PostgreSQL's SQLSTATEs.
func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct{ q, code string }{
		{"SELECT * FROM nope", "42P01"},
		{"SELECT nope FROM orders", "42703"},
		{"SELECT note, count(*) FROM orders GROUP BY cust", "42803"},
		{"SELECT note, count(*) FROM orders GROUP BY id", ""}, // functionally dependent on the primary key
		{"SELECT id FROM orders o, orders p WHERE id = 1", "42702"},
	} {
		n, err := parseOne(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		_, err = (&plan.Planner{Host: superuser{}, Cat: testCatalog()}).PlanQuery(n, nil)
		if got := pgerrorCode(err); got != tc.code {
			t.Errorf("%s: %v (%s), want %s", tc.q, err, got, tc.code)
		}
	}
}

func pgerrorCode(err error) string { return pgerror.Code(err) }

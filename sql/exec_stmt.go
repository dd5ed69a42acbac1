package sql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/parse"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

type stmtKind uint8

const (
	kindEmpty   stmtKind = iota
	kindTxn              // BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...
	kindSession          // SET, SHOW, RESET, DISCARD, DEALLOCATE: no transaction needed
	kindPlanned          // everything that reads the catalog
	kindCursor           // DECLARE / FETCH / MOVE / CLOSE, SQL PREPARE / EXECUTE
)

// prepStmt is a statement with its plan for one catalog version.
type prepStmt struct {
	st         parse.Stmt
	kind       stmtKind
	given      []types.T // parameter types from the client (0: infer)
	paramTypes []types.T
	cols       []exec.Column // result columns; nil when none

	cat     *catalog.Catalog // the catalog the plan was made for
	plan    exec.Node        // queries
	dml     *plan.DML        // INSERT / UPDATE / DELETE / MERGE
	writers []*plan.Writer   // data-modifying WITH queries (with_writers.go)
	explain []string         // EXPLAIN output
	utility func(ec *execCtx, w ResultWriter) (string, error)
	deps    []uint32 // table descriptors the plan depends on
	visCols []exec.Column
	// readsContext: the plan holds a value folded from the session zone or
	// the transaction's time; the simple protocol re-plans it every time
	readsContext bool
	role         string // the current role it was planned for
	path         string // and the search path (searchPathKey)
	rowSecurity  string // and row_security (a policy's error depends on it)
	// vars binds the names of a routine's variables (routines.go); nil
	// for client statements.
	vars *varBinder
}

func (ps *prepStmt) classify() {
	n := ps.st.Node
	switch {
	case ps.st.Ext != nil:
		ps.kind, ps.cols = kindCursor, extColumns(ps.st.Ext) // SUBSCRIBE & co. (subscribe.go)
	case n == nil:
		ps.kind = kindEmpty
	case n.GetTransactionStmt() != nil:
		ps.kind = kindTxn
	case n.GetVariableSetStmt() != nil, n.GetVariableShowStmt() != nil, n.GetDiscardStmt() != nil,
		n.GetDeallocateStmt() != nil, n.GetListenStmt() != nil, n.GetUnlistenStmt() != nil,
		n.GetNotifyStmt() != nil, n.GetCheckPointStmt() != nil:
		ps.kind = kindSession
	case n.GetDeclareCursorStmt() != nil, n.GetFetchStmt() != nil, n.GetClosePortalStmt() != nil,
		n.GetPrepareStmt() != nil, n.GetExecuteStmt() != nil:
		ps.kind = kindCursor
	default:
		ps.kind = kindPlanned
	}
}

// planFor plans ps against t's catalog unless it already is.
func (s *Session) planFor(t *txnState, ps *prepStmt) error {
	// Privileges are checked while planning: a plan holds for one catalog
	// and one role (SET ROLE re-plans).
	// A different search_path resolves names differently: re-plan too.
	if ps.kind != kindPlanned || ps.cat == t.cat && ps.role == s.currentUser() && ps.path == searchPathKey(s.plannerPath(t.cat)) && ps.rowSecurity == s.set.Vals["row_security"] {
		return nil
	}
	p := newPlanner(s, t, t.cat)
	p.Params = append([]types.T(nil), ps.given...)
	if ps.vars != nil {
		ps.vars.reset()
		p.Vars, p.VarConflict = ps.vars.resolve, ps.vars.conflict
	}
	ps.plan, ps.dml, ps.utility, ps.explain, ps.cols, ps.writers = nil, nil, nil, nil, nil, nil
	n := ps.st.Node
	var err error
	if sel := n.GetSelectStmt(); sel != nil && sel.IntoClause != nil {
		q := proto.Clone(sel).(*pg_query.SelectStmt)
		into := q.IntoClause
		q.IntoClause = nil
		n = &pg_query.Node{Node: &pg_query.Node_CreateTableAsStmt{CreateTableAsStmt: &pg_query.CreateTableAsStmt{
			Query: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: q}}, Into: into, Objtype: pg_query.ObjectType_OBJECT_TABLE, IsSelectInto: true}}}
	}
	switch {
	case n.GetSelectStmt() != nil:
		var qp exec.Node
		p.TopWith = n.GetSelectStmt().WithClause
		if qp, err = p.PlanSelect(n.GetSelectStmt(), nil); err == nil {
			ps.plan, ps.cols, ps.visCols = qp, qp.Columns(), plan.VisibleCols(qp)
			// A SELECT returns rows even with an empty select list
			// (SELECT FROM t): non-nil columns mean a RowDescription with
			// zero fields, as PostgreSQL sends, not NoData.
			if ps.cols == nil {
				ps.cols = []exec.Column{}
			}
			if ps.visCols == nil {
				ps.visCols = []exec.Column{}
			}
		}
	case n.GetInsertStmt() != nil, n.GetUpdateStmt() != nil, n.GetDeleteStmt() != nil, n.GetMergeStmt() != nil:
		var d *plan.DML
		if d, err = p.PlanDML(n); err == nil {
			ps.dml, ps.cols = d, d.Cols
		}
	case n.GetExplainStmt() != nil:
		var lines []string
		if lines, err = explain(p, n.GetExplainStmt()); err == nil {
			ps.explain = lines
			ps.cols = []exec.Column{{Name: "QUERY PLAN", T: exec.TextT}}
		}
	default:
		ps.utility, err = planUtility(p, n)
	}
	if err != nil {
		ps.cat = nil // no plan: the next execution plans again
		return err
	}
	ps.deps, ps.readsContext, ps.writers = p.Deps, p.ReadsContext, p.Writers()
	for _, pe := range p.ParamExprs {
		if pe.T.OID == 0 || pe.T.OID == types.UnknownOID {
			pe.T = p.Params[pe.N]
		}
	}
	ps.paramTypes = make([]types.T, p.MaxParam)
	if len(ps.given) > p.MaxParam {
		ps.paramTypes = make([]types.T, len(ps.given))
	}
	for i := range ps.paramTypes {
		t := types.T{}
		if i < len(p.Params) {
			t = p.Params[i]
		}
		if t.OID == 0 || t.OID == types.UnknownOID {
			t = exec.TextT
		}
		ps.paramTypes[i] = t
	}
	for _, pe := range p.ParamExprs {
		if pe.T.OID == 0 || pe.T.OID == types.UnknownOID {
			pe.T = exec.TextT
		}
	}
	ps.cat, ps.role, ps.path, ps.rowSecurity = t.cat, s.currentUser(), searchPathKey(p.Path), s.set.Vals["row_security"]
	return nil
}

// cursor is an executing statement's result.
type cursor struct {
	cols     []exec.Column
	it       exec.Iterator
	tag      string
	countTag bool // tag is followed by the row count ("SELECT n")
	n        int64
	tx       *txnState
	ec       *execCtx // its WITH queries end with it (closeTapes); nil for none
}

func (c *cursor) tagText() string {
	if c.countTag {
		b := append(append(make([]byte, 0, len(c.tag)+12), c.tag...), ' ')
		return string(strconv.AppendInt(b, c.n, 10))
	}
	return c.tag
}

func (c *cursor) Close() {
	if c.it != nil {
		c.it.Close()
		c.it = nil
	}
	if c.ec != nil {
		c.ec.CloseTapes()
		c.ec = nil
	}
}

// run executes a planned statement.
func (s *Session) run(ec *execCtx, ps *prepStmt, w ResultWriter) (*cursor, error) {
	switch {
	case len(ps.writers) > 0:
		return s.runWithWriters(ec, ps) // with_writers.go
	case ps.plan != nil:
		it, err := ps.plan.Start(ec.Ctx)
		if err != nil {
			return nil, err
		}
		return &cursor{cols: ps.visCols, it: it, tag: "SELECT", countTag: true, tx: ec.tx, ec: ec}, nil
	case ps.dml != nil:
		if ec.tx.readOnly && !ps.dml.TempOnly(ec.tx.cat) {
			return nil, errReadOnly(strings.ToUpper(ps.dml.Verb))
		}
		rows, tag, err := ps.dml.Exec(ec.Ctx)
		if err != nil {
			return nil, err
		}
		c := &cursor{tag: tag, tx: ec.tx}
		if ps.dml.Returning != nil {
			c.cols, c.it = ps.dml.Cols, &exec.SliceIter{Rows: rows}
		}
		return c, nil
	case ps.explain != nil:
		rows := make([][]types.Datum, len(ps.explain))
		for i, l := range ps.explain {
			rows[i] = []types.Datum{l}
		}
		return &cursor{cols: ps.cols, it: &exec.SliceIter{Rows: rows}, tag: "EXPLAIN"}, nil
	case ps.utility != nil:
		tag, err := ps.utility(ec, w)
		if err != nil {
			return nil, err
		}
		return &cursor{tag: tag}, nil
	}
	return nil, pgerror.New(pgerror.Internal, "BUG: statement was not planned")
}

// emptyValue is a non-NULL empty value (” or an empty bytea).
var emptyValue = []byte{}

// describe builds RowDescription fields; formats as in Bind.
func (s *Session) describe(cols []exec.Column, formats []int16) []Column {
	out := make([]Column, 0, len(cols)) // never nil: callers describe statements that return rows
	for i, c := range cols {
		if c.Hidden && (c.Name == "?sort?" || c.Name == "?distinct?") {
			continue
		}
		t := c.T
		if t.OID == 0 || t.OID == types.UnknownOID {
			t = exec.TextT
		}
		info, _ := types.InfoOf(t.OID)
		col := Column{Name: c.Name, TableOID: c.TableOID, AttNum: c.AttNum, TypeOID: t.OID, TypeLen: info.Len, TypeMod: t.Mod}
		if t.OID == types.RecordOID || t.OID == types.RecordArrayOID {
			// a row: record, or the table's row type; the typmod naming
			// the transient type is logdb's own
			col.TypeOID, col.TypeMod = types.RecordWireOID(t), -1
		}
		if info.Len == 0 {
			col.TypeLen = -1
		}
		f := resultFormat(formats, i)
		if f == 1 && types.HasBinary(t.OID) {
			col.Format = 1
		}
		out = append(out, col)
	}
	return out
}

// writeRows sends up to maxRows rows (0: all); more reports a suspension.
func (s *Session) writeRows(ctx context.Context, cur *cursor, maxRows int, formats []int16, w ResultWriter) (more bool, err error) {
	if cur.it == nil {
		return false, nil
	}
	cols := cur.cols
	fmts := make([]bool, len(cols))
	ts := make([]types.T, len(cols))
	for i, c := range cols {
		ts[i] = c.T
		if ts[i].OID == 0 {
			ts[i] = exec.TextT
		}
		f := resultFormat(formats, i)
		fmts[i] = f == 1 && types.HasBinary(ts[i].OID)
	}
	cur.n = 0
	vals := make([][]byte, len(cols))
	offs := make([]int, 0, 2*len(cols))
	var buf []byte
	for {
		if maxRows > 0 && cur.n >= int64(maxRows) {
			return true, nil
		}
		row, err := cur.it.Next()
		if err != nil {
			return false, err
		}
		if row == nil {
			return false, nil
		}
		if s.notices != nil {
			s.flushNotices(w)
		}
		buf = buf[:0]
		offs = offs[:0]
		for i := range cols {
			d := row[i]
			if d == nil {
				offs = append(offs, -1, -1)
				continue
			}
			start := len(buf)
			if buf, err = s.encodeValue(buf, ts[i], d, fmts[i], cur.tx); err != nil {
				return false, err
			}
			offs = append(offs, start, len(buf))
		}
		for i := range cols {
			if offs[2*i] < 0 {
				vals[i] = nil
			} else if offs[2*i] == offs[2*i+1] {
				vals[i] = emptyValue
			} else {
				vals[i] = buf[offs[2*i]:offs[2*i+1]:offs[2*i+1]]
			}
		}
		if err := w.Row(vals); err != nil {
			return false, err
		}
		cur.n++
		if cur.n&1023 == 0 && ctx.Err() != nil {
			return false, s.ctxErr(ctx)
		}
	}
}

func (s *Session) encodeValue(buf []byte, t types.T, d types.Datum, binary bool, tx *txnState) ([]byte, error) {
	if t.OID == types.VoidOID {
		return buf, nil
	}
	if binary {
		return types.AppendBinary(buf, t, d)
	}
	if t.OID == types.RegclassOID {
		return append(buf, s.regclassText(tx, d)...), nil
	}
	if v, ok := d.(int64); ok && t.OID == types.RegtypeOID {
		if name, ok := s.regtypeText(tx, uint32(v)); ok { // usertypes.go
			return append(buf, name...), nil
		}
	}
	return types.AppendTextStyled(buf, t, d, s.set.Loc, s.set.Style), nil
}

// explain plans the statement and prints its plan tree.
func explain(p *plan.Planner, ex *pg_query.ExplainStmt) ([]string, error) {
	n := ex.Query
	var root exec.Node
	switch {
	case n.GetSelectStmt() != nil:
		var err error
		p.TopWith = n.GetSelectStmt().WithClause
		if root, err = p.PlanSelect(n.GetSelectStmt(), nil); err != nil {
			return nil, err
		}
		if len(p.Writers()) > 0 {
			return nil, pgerror.Unsupported("EXPLAIN of a statement with INSERT, UPDATE or DELETE in WITH")
		}
	case n.GetInsertStmt() != nil, n.GetUpdateStmt() != nil, n.GetDeleteStmt() != nil, n.GetMergeStmt() != nil:
		d, err := p.PlanDML(n)
		if err != nil {
			return nil, err
		}
		if len(p.Writers()) > 0 {
			return nil, pgerror.Unsupported("EXPLAIN of a statement with INSERT, UPDATE or DELETE in WITH")
		}
		lines := []string{d.Describe()}
		if d.Src != nil {
			lines = append(lines, explainNode(d.Src, 1)...)
		}
		return lines, nil
	default:
		return nil, pgerror.Unsupported("EXPLAIN of " + plan.NodeName(n))
	}
	return explainNode(root, 0), nil
}

func explainNode(n exec.Node, depth int) []string {
	pad := strings.Repeat("  ", depth)
	if depth > 0 {
		pad += "->  "
	}
	line := func(s string, kids ...exec.Node) []string {
		out := []string{pad + s}
		for _, k := range kids {
			out = append(out, explainNode(k, depth+1)...)
		}
		return out
	}
	switch x := n.(type) {
	case *exec.ScanNode:
		x.ChoosePath()
		return line(x.Describe())
	case *exec.FilterNode:
		return line("Filter", x.Src)
	case *exec.ProjectNode:
		return explainNode(x.Src, depth)
	case *exec.RenameNode:
		return explainNode(x.Src, depth)
	case *exec.TrimNode:
		return explainNode(x.Src, depth)
	case *exec.JoinNode:
		kind := []string{"Inner", "Left", "Right", "Full"}[x.Kind]
		if len(x.Lkeys) > 0 {
			return line("Hash Join ("+kind+")", x.Left, x.Right)
		}
		return line("Nested Loop ("+kind+")", x.Left, x.Right)
	case *exec.LookupJoinNode:
		kind := map[exec.JoinKind]string{exec.JoinInner: "Inner", exec.JoinLeft: "Left"}[x.Kind]
		via := "primary key"
		if x.Index != nil {
			via = x.Index.Name
		}
		x.Scan.ChoosePath()
		return line("Lookup Join ("+kind+") on "+x.Scan.T.Name+" using "+via, x.Left)
	case *exec.AggNode:
		if len(x.Groups) > 0 {
			return line("HashAggregate", x.Src)
		}
		return line("Aggregate", x.Src)
	case *exec.SortNode:
		return line("Sort", x.Src)
	case *exec.LimitNode:
		return line("Limit", x.Src)
	case *exec.LockRowsNode:
		return line("LockRows", x.Src) // PostgreSQL's name for the node
	case *exec.DistinctNode:
		return line("Unique", x.Src)
	case *exec.SetOpNode:
		return line([]string{"Union", "Intersect", "Except"}[x.Op], x.L, x.R)
	case *exec.ValuesNode:
		return line("Values Scan")
	case *exec.ViewNode:
		return line("Catalog Scan on " + x.V.Name)
	case *exec.CteScanNode:
		return line("CTE Scan on " + x.Def.Name)
	case *plan.SRFNode:
		return line("Function Scan on " + x.Name)
	case *exec.OneRowNode:
		return line("Result")
	case *exec.RecursiveNode:
		return line("Recursive Union", x.Init, x.Rec)
	}
	return line(fmt.Sprintf("%T", n))
}

// resultFormat is the format code Bind asked for column i: one code for
// all columns, one per column, or none (text).
func resultFormat(formats []int16, i int) int16 {
	switch {
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return 0
}

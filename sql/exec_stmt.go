package sql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
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
	st         stmt
	kind       stmtKind
	given      []types.T // parameter types from the client (0: infer)
	paramTypes []types.T
	cols       []resultCol // result columns; nil when none

	cat     *catalog.Catalog // the catalog the plan was made for
	plan    node             // queries
	dml     *dmlPlan         // INSERT / UPDATE / DELETE
	explain []string         // EXPLAIN output
	utility func(ec *execCtx, w ResultWriter) (string, error)
	deps    []uint32 // table descriptors the plan depends on
	visCols []resultCol
	// readsContext: the plan holds a value folded from the session zone or
	// the transaction's time; the simple protocol re-plans it every time
	readsContext bool
	role         string // the current role it was planned for
}

func (ps *prepStmt) classify() {
	n := ps.st.node
	switch {
	case ps.st.ext != nil:
		ps.kind, ps.cols = kindCursor, ps.st.ext.columns() // SUBSCRIBE & co. (subscribe.go)
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
	if ps.kind != kindPlanned || ps.cat == t.cat && ps.role == s.currentUser() {
		return nil
	}
	p := &planner{s: s, tx: t, cat: t.cat, params: append([]types.T(nil), ps.given...)}
	ps.plan, ps.dml, ps.utility, ps.explain, ps.cols = nil, nil, nil, nil, nil
	n := ps.st.node
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
		var plan node
		if plan, err = p.planSelect(n.GetSelectStmt(), nil); err == nil {
			ps.plan, ps.cols, ps.visCols = plan, plan.columns(), visibleCols(plan)
			// A SELECT returns rows even with an empty select list
			// (SELECT FROM t): non-nil columns mean a RowDescription with
			// zero fields, as PostgreSQL sends, not NoData.
			if ps.cols == nil {
				ps.cols = []resultCol{}
			}
			if ps.visCols == nil {
				ps.visCols = []resultCol{}
			}
		}
	case n.GetInsertStmt() != nil, n.GetUpdateStmt() != nil, n.GetDeleteStmt() != nil:
		var d *dmlPlan
		if d, err = p.planDML(n); err == nil {
			ps.dml, ps.cols = d, d.cols
		}
	case n.GetExplainStmt() != nil:
		var lines []string
		if lines, err = p.explain(n.GetExplainStmt()); err == nil {
			ps.explain = lines
			ps.cols = []resultCol{{name: "QUERY PLAN", t: textT}}
		}
	default:
		ps.utility, err = p.planUtility(n)
	}
	if err != nil {
		return err
	}
	ps.deps, ps.readsContext = p.deps, p.readsContext
	for _, pe := range p.paramExprs {
		if pe.t.OID == 0 || pe.t.OID == types.UnknownOID {
			pe.t = p.params[pe.n]
		}
	}
	ps.paramTypes = make([]types.T, p.maxParam)
	if len(ps.given) > p.maxParam {
		ps.paramTypes = make([]types.T, len(ps.given))
	}
	for i := range ps.paramTypes {
		t := types.T{}
		if i < len(p.params) {
			t = p.params[i]
		}
		if t.OID == 0 || t.OID == types.UnknownOID {
			t = textT
		}
		ps.paramTypes[i] = t
	}
	for _, pe := range p.paramExprs {
		if pe.t.OID == 0 || pe.t.OID == types.UnknownOID {
			pe.t = textT
		}
	}
	ps.cat, ps.role = t.cat, s.currentUser()
	return nil
}

// cursor is an executing statement's result.
type cursor struct {
	cols     []resultCol
	it       iterator
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

func (c *cursor) close() {
	if c.it != nil {
		c.it.close()
		c.it = nil
	}
	if c.ec != nil {
		c.ec.closeTapes()
		c.ec = nil
	}
}

// run executes a planned statement.
func (s *Session) run(ec *execCtx, ps *prepStmt, w ResultWriter) (*cursor, error) {
	switch {
	case ps.plan != nil:
		it, err := ps.plan.start(ec.runCtx)
		if err != nil {
			return nil, err
		}
		return &cursor{cols: ps.visCols, it: it, tag: "SELECT", countTag: true, tx: ec.tx, ec: ec}, nil
	case ps.dml != nil:
		if ec.tx.readOnly {
			return nil, errReadOnly(strings.ToUpper(ps.dml.verb))
		}
		rows, tag, err := ps.dml.exec(ec)
		if err != nil {
			return nil, err
		}
		c := &cursor{tag: tag, tx: ec.tx}
		if ps.dml.returning != nil {
			c.cols, c.it = ps.dml.cols, &sliceIter{rows: rows}
		}
		return c, nil
	case ps.explain != nil:
		rows := make([][]types.Datum, len(ps.explain))
		for i, l := range ps.explain {
			rows[i] = []types.Datum{l}
		}
		return &cursor{cols: ps.cols, it: &sliceIter{rows: rows}, tag: "EXPLAIN"}, nil
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
func (s *Session) describe(cols []resultCol, formats []int16) []Column {
	out := make([]Column, 0, len(cols)) // never nil: callers describe statements that return rows
	for i, c := range cols {
		if c.hidden && (c.name == "?sort?" || c.name == "?distinct?") {
			continue
		}
		t := c.t
		if t.OID == 0 || t.OID == types.UnknownOID {
			t = textT
		}
		info, _ := types.InfoOf(t.OID)
		col := Column{Name: c.name, TableOID: c.tableOID, AttNum: c.attNum, TypeOID: t.OID, TypeLen: info.Len, TypeMod: t.Mod}
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
		ts[i] = c.t
		if ts[i].OID == 0 {
			ts[i] = textT
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
		row, err := cur.it.next()
		if err != nil {
			return false, err
		}
		if row == nil {
			return false, nil
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
	return types.AppendTextLoc(buf, t, d, s.set.loc), nil
}

// explain plans the statement and prints its plan tree.
func (p *planner) explain(ex *pg_query.ExplainStmt) ([]string, error) {
	n := ex.Query
	var root node
	switch {
	case n.GetSelectStmt() != nil:
		var err error
		if root, err = p.planSelect(n.GetSelectStmt(), nil); err != nil {
			return nil, err
		}
	case n.GetInsertStmt() != nil, n.GetUpdateStmt() != nil, n.GetDeleteStmt() != nil:
		d, err := p.planDML(n)
		if err != nil {
			return nil, err
		}
		lines := []string{d.describe()}
		if d.src != nil {
			lines = append(lines, explainNode(d.src, 1)...)
		}
		return lines, nil
	default:
		return nil, pgerror.Unsupported("EXPLAIN of " + nodeName(n))
	}
	return explainNode(root, 0), nil
}

func explainNode(n node, depth int) []string {
	pad := strings.Repeat("  ", depth)
	if depth > 0 {
		pad += "->  "
	}
	line := func(s string, kids ...node) []string {
		out := []string{pad + s}
		for _, k := range kids {
			out = append(out, explainNode(k, depth+1)...)
		}
		return out
	}
	switch x := n.(type) {
	case *scanNode:
		x.choosePath()
		return line(x.describe())
	case *filterNode:
		return line("Filter", x.src)
	case *projectNode:
		return explainNode(x.src, depth)
	case *renameNode:
		return explainNode(x.src, depth)
	case *trimNode:
		return explainNode(x.src, depth)
	case *joinNode:
		kind := []string{"Inner", "Left", "Right", "Full"}[x.kind]
		if len(x.lkeys) > 0 {
			return line("Hash Join ("+kind+")", x.left, x.right)
		}
		return line("Nested Loop ("+kind+")", x.left, x.right)
	case *lookupJoinNode:
		kind := map[joinKind]string{joinInner: "Inner", joinLeft: "Left"}[x.kind]
		via := "primary key"
		if x.index != nil {
			via = x.index.Name
		}
		x.scan.choosePath()
		return line("Lookup Join ("+kind+") on "+x.scan.t.Name+" using "+via, x.left)
	case *aggNode:
		if len(x.groups) > 0 {
			return line("HashAggregate", x.src)
		}
		return line("Aggregate", x.src)
	case *sortNode:
		return line("Sort", x.src)
	case *limitNode:
		return line("Limit", x.src)
	case *distinctNode:
		return line("Unique", x.src)
	case *setOpNode:
		return line([]string{"Union", "Intersect", "Except"}[x.op], x.l, x.r)
	case *valuesNode:
		return line("Values Scan")
	case *viewNode:
		return line("Catalog Scan on " + x.v.Name)
	case *cteScanNode:
		return line("CTE Scan on " + x.def.name)
	case *srfNode:
		return line("Function Scan on " + x.name)
	case *oneRowNode:
		return line("Result")
	case *recursiveNode:
		return line("Recursive Union", x.init, x.rec)
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

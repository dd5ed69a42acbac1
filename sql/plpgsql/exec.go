package plpgsql

import (
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

type flowKind uint8

const (
	flowNext flowKind = iota
	flowExit
	flowContinue
	flowReturn
)

type flow struct {
	kind  flowKind
	label string
}

var (
	boolT = types.T{OID: types.BoolOID, Mod: -1}
	int4T = types.T{OID: types.Int4OID, Mod: -1}
	textT = types.T{OID: types.TextOID, Mod: -1}
)

// Run runs the routine. It returns the function's value (nil for void
// and procedures), or the rows of a set-returning function.
func (r *Routine) Run(h Host, c *Call) (types.Datum, [][]types.Datum, error) {
	f := &frame{r: r, h: h, c: c}
	if err := f.init(); err != nil {
		return nil, nil, err
	}
	fl, err := f.block(r.fn.Action)
	if err != nil {
		return nil, nil, err
	}
	if c.RetSet {
		return nil, f.out, nil
	}
	if fl.kind == flowReturn {
		return f.retVal, nil, nil
	}
	if len(c.Outs) > 0 {
		return f.outValue()
	}
	if c.Trigger != nil {
		return nil, nil, pgerror.New("2F005", "control reached end of trigger procedure without RETURN")
	}
	if c.Ret.OID != 0 && c.Ret.OID != types.VoidOID {
		return nil, nil, pgerror.New("2F005", "control reached end of function without RETURN")
	}
	return nil, nil, nil
}

// outValue is the result of a function with OUT arguments: the one
// value, or a record of them.
func (f *frame) outValue() (types.Datum, [][]types.Datum, error) {
	vals := make([]types.Datum, len(f.c.Outs))
	for i, dno := range f.c.Outs {
		vals[i] = f.outArg(dno)
	}
	if len(f.c.Outs) == 1 {
		return vals[0], nil, nil
	}
	return types.Record{Values: vals}, nil, nil
}

// outArg is the value of OUT argument dno (a record for a row).
func (f *frame) outArg(dno int) types.Datum {
	if !f.isRec(dno) {
		return f.vals[dno].d
	}
	if f.vals[dno].rec == nil {
		return nil
	}
	v, _, err := f.Value(VarRef{Dno: dno})
	if err != nil {
		return nil
	}
	return v
}

func (f *frame) list(stmts []*Stmt) (flow, error) {
	for _, s := range stmts {
		if s == nil {
			continue
		}
		fl, err := f.stmt(s)
		if err != nil || fl.kind != flowNext {
			return fl, err
		}
	}
	return flow{}, nil
}

func (f *frame) block(s *Stmt) (flow, error) {
	f.line = s.Lineno
	if s.Exceptions == nil {
		if err := f.declare(s); err != nil {
			return flow{}, err
		}
		return f.blockBody(s)
	}
	release, rollback, err := f.h.Subtransaction()
	if err != nil {
		return flow{}, err
	}
	fl, err := func() (flow, error) {
		if err := f.declare(s); err != nil {
			return flow{}, err
		}
		return f.blockBody(s)
	}()
	if err == nil {
		release()
		return fl, nil
	}
	pe := pgerror.As(err)
	for _, ex := range s.Exceptions.V.List {
		caught := false
		for _, c := range ex.V.Conditions {
			if matches(c.V.Name, pe.Code) {
				caught = true
			}
		}
		if !caught {
			continue
		}
		rollback()
		if len(ex.V.Action) > 0 {
			f.line = ex.V.Action[0].Lineno
		}
		for dno, d := range f.r.fn.Datums {
			if d.Kind == "var" && (d.Refname == "sqlstate" || d.Refname == "sqlerrm") && dno == f.lookup(d.Refname) {
				if d.Refname == "sqlstate" {
					f.vals[dno].d = pe.Code
				} else {
					f.vals[dno].d = pe.Message
				}
			}
		}
		f.errs = append(f.errs, pe)
		fl, err := f.list(ex.V.Action)
		f.errs = f.errs[:len(f.errs)-1]
		return f.exitBlock(s, fl), err
	}
	rollback()
	return flow{}, err
}

func (f *frame) blockBody(s *Stmt) (flow, error) {
	fl, err := f.list(s.Body)
	return f.exitBlock(s, fl), err
}

// exitBlock ends EXIT label of this block.
func (f *frame) exitBlock(s *Stmt, fl flow) flow {
	if fl.kind == flowExit && fl.label != "" && fl.label == s.Label {
		return flow{}
	}
	return fl
}

// declare initializes the block's variables (their DEFAULT, or NULL).
func (f *frame) declare(s *Stmt) error {
	for _, dno := range f.r.decls[s] {
		d := f.r.fn.Datums[dno]
		if f.isRec(dno) {
			f.vals[dno].rec, f.vals[dno].null = f.emptyRow(dno), true
			continue
		}
		f.vals[dno].d = nil
		if d.Cursor != nil && d.Default == nil {
			f.vals[dno].d = d.Refname // a bound cursor is named after its variable
			continue
		}
		if d.Default == nil {
			if d.NotNull {
				return pgerror.New(pgerror.NullValueNotAllowed, "null value cannot be assigned to variable \"%s\" declared NOT NULL", d.Refname)
			}
			continue
		}
		save := f.line
		f.line = d.Lineno - 1 // the default sees outer variables, not this one
		v, t, err := f.eval(d.Default)
		f.line = save
		if err != nil {
			return err
		}
		line := f.line
		f.line = d.Lineno // CONSTANT variables take their default
		err = f.assign(dno, v, t)
		f.line = line
		if err != nil {
			return err
		}
	}
	return nil
}

// eval evaluates an expression: SELECT expr, one column, at most one row.
func (f *frame) eval(e *Expr) (types.Datum, types.T, error) {
	q := e.Query
	if e.Mode >= 3 { // target := expr, of a variable, a.b or a.b.c
		q = assignedExpr(q)
	}
	res, err := f.h.Query("SELECT "+q, f, 2)
	if err != nil {
		return nil, types.T{}, err
	}
	if len(res.Cols) != 1 {
		return nil, types.T{}, pgerror.New(pgerror.SyntaxError, "query \"SELECT %s\" returned %d columns", q, len(res.Cols))
	}
	if res.RowCount > 1 {
		return nil, types.T{}, pgerror.New(pgerror.CardinalityViolation, "query \"SELECT %s\" returned more than one row", q)
	}
	if len(res.Rows) == 0 {
		return nil, res.Types[0], nil
	}
	return res.Rows[0][0], res.Types[0], nil
}

// assignedExpr is the expression of "target := expr" (or "target = expr").
func assignedExpr(q string) string {
	inQuote := false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == ':' && i+1 < len(q) && q[i+1] == '=':
			return strings.TrimSpace(q[i+2:])
		case c == '=':
			return strings.TrimSpace(q[i+1:])
		}
	}
	return q
}

func (f *frame) cond(e *Expr) (bool, error) {
	v, t, err := f.eval(e)
	if err != nil {
		return false, err
	}
	if v, err = f.cast(v, t, boolT); err != nil {
		return false, err
	}
	b, _ := v.(bool)
	return b, nil
}

// stmt runs one statement; an error leaving it gets its CONTEXT line.
func (f *frame) stmt(s *Stmt) (flow, error) {
	fl, err := f.runStmt(s)
	if err != nil {
		err = f.place(err, s)
	}
	return fl, err
}

// stmtNames are statements as PostgreSQL's CONTEXT names them.
var stmtNames = map[string]string{"assign": "assignment", "if": "IF", "case": "CASE", "loop": "LOOP", "while": "WHILE",
	"fori": "FOR with integer loop variable", "fors": "FOR over SELECT rows", "forc": "FOR over cursor",
	"open": "OPEN", "fetch": "FETCH", "close": "CLOSE", "commit": "COMMIT", "rollback": "ROLLBACK", "foreach_a": "FOREACH over array",
	"return": "RETURN", "return_next": "RETURN NEXT", "return_query": "RETURN QUERY", "raise": "RAISE", "assert": "ASSERT",
	"execsql": "SQL statement", "dynexecute": "EXECUTE", "dynfors": "FOR over EXECUTE statement", "getdiag": "GET DIAGNOSTICS",
	"perform": "PERFORM", "call": "CALL", "block": "statement block"}

func (f *frame) place(err error, s *Stmt) error {
	pe := pgerror.As(err)
	if pe == f.placed || f.c.Name == "" || pe.Code == pgerror.QueryCanceled {
		return err
	}
	what := stmtNames[s.Kind]
	if s.Kind == "exit" {
		what = map[bool]string{true: "EXIT", false: "CONTINUE"}[s.IsExit]
	}
	if s.Kind == "fetch" && s.IsMove {
		what = "MOVE"
	}
	line := "PL/pgSQL function " + f.c.Name + " line " + itoa(s.Lineno) + " at " + what
	ne := *pe
	if ne.Where != "" {
		ne.Where += "\n"
	}
	ne.Where += line
	f.placed = &ne
	return &ne
}

func (f *frame) runStmt(s *Stmt) (flow, error) {
	if err := f.h.Check(); err != nil {
		return flow{}, err
	}
	if s.Lineno > 0 {
		f.line = s.Lineno
	}
	switch s.Kind {
	case "block":
		return f.block(s)
	case "assign":
		if hasSubscript(s.Expr.Query) {
			return flow{}, f.assignPart(s) // assign.go
		}
		v, t, err := f.eval(s.Expr)
		if err != nil {
			return flow{}, err
		}
		return flow{}, f.assign(s.Varno, v, t)
	case "if":
		ok, err := f.cond(s.Cond)
		if err != nil || ok {
			if err != nil {
				return flow{}, err
			}
			return f.list(s.ThenBody)
		}
		for _, e := range s.ElsifList {
			ok, err := f.cond(e.V.Cond)
			if err != nil {
				return flow{}, err
			}
			if ok {
				return f.list(e.V.Stmts)
			}
		}
		return f.list(s.ElseBody)
	case "case":
		return f.caseStmt(s)
	case "loop", "while", "fori", "fors", "dynfors", "foreach_a":
		return f.loop(s)
	case "exit":
		if s.Cond != nil {
			ok, err := f.cond(s.Cond)
			if err != nil || !ok {
				return flow{}, err
			}
		}
		if s.IsExit {
			return flow{kind: flowExit, label: s.Label}, nil
		}
		return flow{kind: flowContinue, label: s.Label}, nil
	case "return":
		return f.returnStmt(s)
	case "return_next":
		return flow{}, f.returnNext(s)
	case "return_query":
		return flow{}, f.returnQuery(s)
	case "raise":
		return flow{}, f.raise(s)
	case "assert":
		return flow{}, f.assert(s)
	case "execsql":
		return flow{}, f.execSQL(s)
	case "perform":
		res, err := f.h.Query(s.Expr.Query, f, 1)
		if err != nil {
			return flow{}, err
		}
		f.rows = res.RowCount
		f.setFound(res.RowCount > 0)
		return flow{}, nil
	case "dynexecute":
		return flow{}, f.dynExecute(s)
	case "getdiag":
		return flow{}, f.getDiag(s)
	case "call":
		res, err := f.h.Query(s.Expr.Query, f, 2)
		if err != nil {
			return flow{}, err
		}
		if s.Target != nil && len(res.Rows) > 0 {
			return flow{}, f.assignRow(f.r.findDatum(s.Target), res, res.Rows[0])
		}
		return flow{}, nil
	case "commit", "rollback":
		return flow{}, f.h.TxnControl(s.Kind == "rollback", s.Chain)
	case "open":
		_, _, err := f.openCursor(s) // cursors.go
		return flow{}, err
	case "fetch":
		return flow{}, f.fetch(s)
	case "close":
		return flow{}, f.closeCursor(s)
	case "forc":
		return f.loop(s)
	}
	return flow{}, pgerror.Unsupported("PL/pgSQL statement " + s.Kind)
}

func (f *frame) caseStmt(s *Stmt) (flow, error) {
	if s.TExpr != nil {
		v, t, err := f.eval(s.TExpr)
		if err != nil {
			return flow{}, err
		}
		f.vals[s.TVarno] = value{d: v, t: t}
	}
	for _, w := range s.CaseWhens {
		ok, err := f.cond(w.V.Expr)
		if err != nil {
			return flow{}, err
		}
		if ok {
			return f.list(w.V.Stmts)
		}
	}
	if s.HaveElse {
		return f.list(s.ElseStmts)
	}
	return flow{}, &pgerror.Error{Code: pgerror.CaseNotFound, Message: "case not found", Hint: "CASE statement is missing ELSE part."}
}

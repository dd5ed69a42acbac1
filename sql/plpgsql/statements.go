package plpgsql

import (
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

func (f *frame) returnStmt(s *Stmt) (flow, error) {
	if f.c.RetSet {
		return flow{kind: flowReturn}, nil
	}
	if s.Lineno == 0 && s.Expr == nil && len(f.c.Outs) == 0 && f.c.Ret.OID != 0 && f.c.Ret.OID != types.VoidOID {
		// the parser's implicit RETURN at the end of the body
		if f.c.Trigger != nil {
			return flow{}, pgerror.New("2F005", "control reached end of trigger procedure without RETURN")
		}
		return flow{}, pgerror.New("2F005", "control reached end of function without RETURN")
	}
	switch {
	case s.Expr != nil:
		v, t, err := f.eval(s.Expr)
		if err != nil {
			return flow{}, err
		}
		if f.c.Ret.OID != types.RecordOID && !types.IsComposite(f.c.Ret.OID) {
			if v, err = f.cast(v, t, f.c.Ret); err != nil {
				return flow{}, err
			}
		}
		f.retVal = v
	case f.r.retVar[s] != "" && len(f.c.Outs) == 0:
		dno := f.lookup(f.r.retVar[s])
		if dno < 0 {
			return flow{}, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", f.r.retVar[s])
		}
		v, t, err := f.Value(VarRef{Dno: dno})
		if err != nil {
			return flow{}, err
		}
		if f.c.Ret.OID != types.RecordOID && !types.IsComposite(f.c.Ret.OID) {
			if v, err = f.cast(v, t, f.c.Ret); err != nil {
				return flow{}, err
			}
		}
		f.retVal = v
	case len(f.c.Outs) > 0:
		v, _, _ := f.outValue()
		f.retVal = v
	}
	return flow{kind: flowReturn}, nil
}

func (f *frame) addRow(row []types.Datum) error {
	if len(f.out) >= f.c.maxRows() {
		return errTooManyRows(f.c.maxRows())
	}
	f.out = append(f.out, row)
	return nil
}

func (f *frame) returnNext(s *Stmt) error {
	var v types.Datum
	var t types.T
	var err error
	switch {
	case s.Expr != nil:
		v, t, err = f.eval(s.Expr)
	case f.r.retVar[s] != "" && len(f.c.Outs) == 0:
		dno := f.lookup(f.r.retVar[s])
		if dno < 0 {
			return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", f.r.retVar[s])
		}
		v, t, err = f.Value(VarRef{Dno: dno})
	default:
		row := make([]types.Datum, len(f.c.Outs))
		for i, dno := range f.c.Outs {
			row[i] = f.outArg(dno)
		}
		return f.addRow(row)
	}
	if err != nil {
		return err
	}
	if r, ok := v.(types.Record); ok && (f.c.Ret.OID == types.RecordOID || types.IsComposite(f.c.Ret.OID)) {
		return f.addRow(append([]types.Datum(nil), r.Values...))
	}
	if v, err = f.cast(v, t, f.c.Ret); err != nil {
		return err
	}
	return f.addRow([]types.Datum{v})
}

func (f *frame) returnQuery(s *Stmt) error {
	var res *Result
	var err error
	if s.DynQuery != nil {
		res, err = f.dynamic(s.DynQuery, s.Params, f.c.maxRows())
	} else {
		res, err = f.h.Query(s.Query.Query, f, f.c.maxRows())
	}
	if err != nil {
		return err
	}
	if res.RowCount > int64(len(res.Rows)) || len(f.out)+len(res.Rows) > f.c.maxRows() {
		return errTooManyRows(f.c.maxRows())
	}
	f.out = append(f.out, res.Rows...)
	f.rows = res.RowCount
	f.setFound(res.RowCount > 0)
	return nil
}

// text is a value as RAISE and format print it.
func (f *frame) text(d types.Datum, t types.T) string {
	if d == nil {
		return ""
	}
	return string(types.AppendTextLoc(nil, t, d, f.h.Ev().Location))
}

func (f *frame) raise(s *Stmt) error {
	if s.Condname == "" && !s.hasMessage && len(s.Options) == 0 {
		if len(f.errs) == 0 {
			return pgerror.New("0Z002", "RAISE without parameters cannot be used outside an exception handler")
		}
		return f.errs[len(f.errs)-1]
	}
	e := &pgerror.Error{Code: pgerror.RaiseException}
	if s.Condname != "" {
		code, err := conditionCode(s.Condname)
		if err != nil {
			return err
		}
		e.Code, e.Message = code, s.Condname
	}
	if s.hasMessage {
		var b strings.Builder
		params := s.Params
		msg := s.raiseMsg
		for i := 0; i < len(msg); i++ {
			if msg[i] != '%' {
				b.WriteByte(msg[i])
				continue
			}
			if i+1 < len(msg) && msg[i+1] == '%' {
				b.WriteByte('%')
				i++
				continue
			}
			if len(params) == 0 {
				return pgerror.New(pgerror.SyntaxError, "too few parameters specified for RAISE")
			}
			v, t, err := f.eval(params[0])
			if err != nil {
				return err
			}
			params = params[1:]
			if v == nil {
				b.WriteString("<NULL>")
			} else {
				b.WriteString(f.text(v, t))
			}
		}
		if len(params) > 0 {
			return pgerror.New(pgerror.SyntaxError, "too many parameters specified for RAISE")
		}
		e.Message = b.String()
	}
	for _, o := range s.Options {
		v, t, err := f.eval(o.V.Expr)
		if err != nil {
			return err
		}
		if v == nil {
			return pgerror.New(pgerror.NullValueNotAllowed, "RAISE statement option cannot be null")
		}
		str := f.text(v, t)
		switch o.V.Type {
		case 0: // ERRCODE
			code, err := conditionCode(str)
			if err != nil || len(code) != 5 {
				return pgerror.New(pgerror.UndefinedObject, "unrecognized exception condition \"%s\"", str)
			}
			e.Code = code
			if !s.hasMessage && s.Condname == "" && e.Message == "" {
				e.Message = code
			}
		case 1:
			e.Message = str
		case 2:
			e.Detail = str
		case 3:
			e.Hint = str
		case 4:
			e.Column = str
		case 5:
			e.Constraint = str
		case 7:
			e.Table = str
		}
	}
	if e.Message == "" && !s.hasMessage {
		e.Message = e.Code
		if e.Code == pgerror.RaiseException {
			e.Message = "P0001"
		}
	}
	switch {
	case s.ElogLevel >= 21:
		return e
	case s.ElogLevel >= 19:
		e.Severity = "WARNING"
	case s.ElogLevel == 18:
		e.Severity = "NOTICE"
	case s.ElogLevel == 17:
		e.Severity = "INFO"
	case s.ElogLevel == 15:
		e.Severity = "LOG"
	default:
		e.Severity = "DEBUG"
	}
	if e.Code == pgerror.RaiseException {
		e.Code = pgerror.SuccessfulCompletion
		if e.Severity == "WARNING" {
			e.Code = pgerror.Warning
		}
	}
	f.h.Notice(e)
	return nil
}

func (f *frame) assert(s *Stmt) error {
	ok, err := f.cond(s.Cond)
	if err != nil || ok {
		return err
	}
	msg := "assertion failed"
	if s.assertMsg != nil {
		v, t, err := f.eval(s.assertMsg)
		if err != nil {
			return err
		}
		if v != nil {
			msg = f.text(v, t)
		}
	}
	return pgerror.New(pgerror.AssertFailure, "%s", msg)
}

func (f *frame) target(d *Datum) int {
	if d.Kind == "row" {
		return f.rowDatum(d)
	}
	return f.r.findDatum(d)
}

func (f *frame) execSQL(s *Stmt) error {
	q := s.SQLStmt.Query
	res, err := f.h.Query(q, f, 2)
	if err != nil {
		return err
	}
	f.rows = res.RowCount
	if !s.Into {
		if res.Returns && isQuery(q) {
			return &pgerror.Error{Code: pgerror.SyntaxError, Message: "query has no destination for result data",
				Hint: "If you want to discard the results of a SELECT, use PERFORM instead."}
		}
		f.setFound(res.RowCount > 0)
		return nil
	}
	if err := f.into(s, res, !isQuery(q), true); err != nil {
		return err
	}
	f.setFound(res.RowCount > 0)
	return nil
}

// into stores the first row of res in the statement's target, with
// STRICT's checks; a data-modifying statement's RETURNING may not return
// more than one row even without STRICT.
func (f *frame) into(s *Stmt, res *Result, dml, hint bool) error {
	if res.RowCount == 0 && s.Strict {
		return pgerror.New(pgerror.NoDataFound, "query returned no rows")
	}
	if res.RowCount > 1 && (s.Strict || dml) {
		e := &pgerror.Error{Code: pgerror.TooManyRows, Message: "query returned more than one row"}
		if hint { // EXECUTE's error has none, as in PostgreSQL
			e.Hint = "Make sure the query returns a single row, or use LIMIT 1."
		}
		return e
	}
	var row []types.Datum
	if len(res.Rows) > 0 {
		row = res.Rows[0]
	}
	return f.assignRow(f.target(s.Target), res, row)
}

func isQuery(q string) bool {
	w := strings.ToLower(strings.TrimLeft(q, " \t\r\n("))
	return strings.HasPrefix(w, "select") || strings.HasPrefix(w, "with") || strings.HasPrefix(w, "values") || strings.HasPrefix(w, "table")
}

// dynamic runs EXECUTE's string.
func (f *frame) dynamic(q *Expr, params []*Expr, maxRows int) (*Result, error) {
	v, t, err := f.eval(q)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, pgerror.New(pgerror.NullValueNotAllowed, "query string argument of EXECUTE is null")
	}
	var vals []types.Datum
	var ts []types.T
	for _, p := range params {
		pv, pt, err := f.eval(p)
		if err != nil {
			return nil, err
		}
		if pt.OID == types.UnknownOID {
			pt = textT
		}
		vals, ts = append(vals, pv), append(ts, pt)
	}
	return f.h.Dynamic(f.text(v, t), vals, ts, maxRows)
}

func (f *frame) dynExecute(s *Stmt) error {
	res, err := f.dynamic(s.Query, s.Params, 2)
	if err != nil {
		return err
	}
	f.rows = res.RowCount
	if s.Into {
		return f.into(s, res, false, false)
	}
	return nil
}

func (f *frame) getDiag(s *Stmt) error {
	var e *pgerror.Error
	if s.IsStacked {
		if len(f.errs) == 0 {
			return pgerror.New("0Z002", "GET STACKED DIAGNOSTICS cannot be used outside an exception handler")
		}
		e = f.errs[len(f.errs)-1]
	}
	for _, it := range s.DiagItems {
		var v types.Datum
		t := textT
		switch it.V.Kind {
		case "ROW_COUNT":
			v, t = f.rows, types.T{OID: types.Int8OID, Mod: -1}
		case "PG_CONTEXT":
			v = "PL/pgSQL function " + f.c.Name + " line " + itoa(f.line) + " at GET DIAGNOSTICS"
		case "PG_EXCEPTION_CONTEXT":
			v = e.Where
		case "RETURNED_SQLSTATE":
			v = e.Code
		case "MESSAGE_TEXT":
			v = e.Message
		case "PG_EXCEPTION_DETAIL":
			v = e.Detail
		case "PG_EXCEPTION_HINT":
			v = e.Hint
		case "COLUMN_NAME":
			v = e.Column
		case "CONSTRAINT_NAME":
			v = e.Constraint
		case "TABLE_NAME":
			v = e.Table
		case "PG_DATATYPE_NAME", "SCHEMA_NAME":
			v = ""
		default:
			return pgerror.Unsupported("GET DIAGNOSTICS " + it.V.Kind)
		}
		if err := f.assign(it.V.Target, v, t); err != nil {
			return err
		}
	}
	return nil
}

package sql

import (
	"encoding/binary"
	"io"
	"strconv"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/copyfmt"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// copyInWriter is what COPY FROM STDIN needs from the ResultWriter (pgwire
// implements it on its writer).
type copyInWriter interface {
	CopyIn(format int16, columnFormats []int16) error // CopyInResponse
	ReadCopyData() ([]byte, error)                    // next CopyData payload; io.EOF at CopyDone
}

// copyOutWriter is what COPY TO STDOUT needs from the ResultWriter.
type copyOutWriter interface {
	CopyOut(format int16, columnFormats []int16) error
	CopyData(data []byte) error
	CopyDone() error
}

// execCopy runs COPY ... FROM STDIN / TO STDOUT through the writer's COPY
// methods and returns the command tag.
func (s *Session) execCopy(ec *execCtx, cs *pg_query.CopyStmt, w ResultWriter) (string, error) {
	if cs.Filename != "" || cs.IsProgram {
		return "", pgerror.New(pgerror.InsufficientPrivilege, "COPY to or from a file or program is not supported; use STDIN/STDOUT (psql's \\copy)")
	}
	o, err := copyfmt.ParseOptions(cs)
	if err != nil {
		return "", err
	}
	if cs.IsFrom {
		cw, ok := w.(copyInWriter)
		if !ok {
			return "", pgerror.Unsupported("COPY FROM STDIN in this protocol context")
		}
		return s.copyIn(ec, cs, o, cw)
	}
	cw, ok := w.(copyOutWriter)
	if !ok {
		return "", pgerror.Unsupported("COPY TO STDOUT in this protocol context")
	}
	return s.copyOut(ec, cs, o, cw)
}

func (s *Session) copyIn(ec *execCtx, cs *pg_query.CopyStmt, o copyfmt.Options, cw copyInWriter) (string, error) {
	if ec.tx.readOnly {
		return "", errReadOnly("COPY FROM")
	}
	p := newPlanner(s, ec.tx, ec.tx.cat)
	t, err := p.TargetTable(cs.Relation, 'a')
	if err != nil {
		return "", err
	}
	tw, err := p.NewTableWriter(t)
	if err != nil {
		return "", err
	}
	if applies, err := p.RowSecurityApplies(t); err != nil {
		return "", err
	} else if applies { // row level security holds for the role
		return "", &pgerror.Error{Code: pgerror.FeatureNotSupported, Message: "COPY FROM not supported with row-level security",
			Hint: "Use INSERT statements instead."}
	}
	var parts *plan.PartInserter
	if t.Partitioned() {
		if parts, err = p.NewPartInserter(t, nil, ""); err != nil {
			return "", err
		}
	}
	if err := ec.tx.recordDeps(p.Deps); err != nil { // after the writer: it adds foreign keys' tables
		return "", err
	}
	cols, err := copyColumns(t, cs.Attlist)
	if err != nil {
		return "", err
	}
	format, colFormats := o.FormatCodes(len(cols))
	if err := cw.CopyIn(format, colFormats); err != nil {
		return "", err
	}
	var n int64
	// triggers: BEFORE STATEMENT before the first row (or at the end,
	// for none), AFTER ROW and AFTER STATEMENT at the end
	mark := ec.AfterRowMark()
	defer ec.DropAfterRow(mark)
	started := false
	begin := func() error {
		if started {
			return nil
		}
		started = true
		return ec.StatementTriggers(t, catalog.TrigInsert, true)
	}
	insert := func(vals []types.Datum, given []bool) error {
		if err := begin(); err != nil {
			return err
		}
		row := make([]types.Datum, len(t.Columns))
		isSet := make([]bool, len(t.Columns))
		for i, c := range cols {
			row[c], isSet[c] = vals[i], given == nil || given[i]
		}
		for c := range row {
			if !isSet[c] {
				v, err := tw.DefaultValue(ec.Ctx, c)
				if err != nil {
					return err
				}
				row[c] = v
			}
		}
		if parts != nil { // a partitioned table: the row goes to its leaf
			if _, _, err := parts.Insert(ec.Ctx, row); err != nil {
				return err
			}
			n++
			return ec.Tick()
		}
		row, skip, err := ec.BeforeRow(t, catalog.TrigInsert, nil, row, nil)
		if err != nil || skip {
			return err
		}
		if _, _, err := tw.Insert(ec.Ctx, row, nil); err != nil {
			return err
		}
		n++
		return ec.Tick()
	}
	// drainRest reads the rest of the stream after an error, so the
	// connection stays in step.
	drainRest := func(err error) (string, error) {
		for {
			if _, rerr := cw.ReadCopyData(); rerr != nil {
				return "", err
			}
		}
	}
	// A line, or the binary stream, longer than a transaction may be
	// cannot be inserted anyway: it fails before it fills memory.
	maxLen := int(s.e.cfg.MaxTxnBytes)
	if o.Format == "binary" {
		var buf []byte
		for {
			data, err := cw.ReadCopyData()
			if err == io.EOF {
				break
			} else if err != nil {
				return "", err
			}
			if len(buf)+len(data) > maxLen {
				return drainRest(pgerror.New(pgerror.ProgramLimitExceeded, "COPY data is longer than %d bytes (the transaction size limit)", maxLen))
			}
			buf = append(buf, data...)
		}
		if err := copyfmt.DecodeBinary(buf, t, cols, insert); err != nil {
			return "", err
		}
	} else {
		lr := copyfmt.NewLineReader(o, maxLen)
		line := 0
		done := false
		for !done {
			data, err := cw.ReadCopyData()
			if err == io.EOF {
				done = true
			} else if err != nil {
				return "", err
			} else {
				lr.Feed(data)
			}
			// fail returns err, first reading what the client still sends.
			fail := func(err error) (string, error) {
				if !done {
					return drainRest(err)
				}
				return "", err
			}
			for {
				text, ok, err := lr.Next(done)
				if err != nil {
					return fail(err)
				}
				if !ok {
					break
				}
				line++
				if o.Header && line == 1 {
					continue
				}
				fields, nulls, err := copyfmt.SplitLine(string(text), o)
				if err != nil {
					return fail(err)
				}
				if len(fields) > len(cols) {
					return fail(pgerror.New("22P04", "extra data after last expected column"))
				}
				vals := make([]types.Datum, len(cols))
				for i, f := range fields {
					if nulls[i] {
						continue
					}
					err := types.CheckTextString(f)
					var v types.Datum
					if err == nil {
						v, err = types.ParseTextCtx(ec.Ev, t.Columns[cols[i]].Type, f)
					}
					if err != nil {
						return fail(err)
					}
					vals[i] = v
				}
				if len(fields) < len(cols) {
					// after converting the fields given, as PostgreSQL
					return fail(pgerror.New("22P04", "missing data for column \"%s\"", t.Columns[cols[len(fields)]].Name))
				}
				if err := insert(vals, nil); err != nil {
					return fail(err)
				}
			}
		}
	}
	err = begin()
	if err == nil {
		err = ec.AfterStatement(mark)
	}
	if err == nil {
		err = ec.StatementTriggers(t, catalog.TrigInsert, false)
	}
	if err != nil {
		ec.FKDropPending()
		return "", err
	}
	return "COPY " + strconv.FormatInt(n, 10), nil
}

func (s *Session) copyOut(ec *execCtx, cs *pg_query.CopyStmt, o copyfmt.Options, cw copyOutWriter) (string, error) {
	p := newPlanner(s, ec.tx, ec.tx.cat)
	var qp exec.Node
	var err error
	if cs.Query != nil {
		qp, err = p.PlanQuery(cs.Query, nil)
	} else {
		sel := &pg_query.SelectStmt{Op: pg_query.SetOperation_SETOP_NONE, FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeVar{RangeVar: cs.Relation}}}}
		attlist := cs.Attlist
		if key, err := p.RelKey(cs.Relation.Schemaname, cs.Relation.Relname); err == nil && p.Cat.Tables[key] != nil {
			t := p.Cat.Tables[key]
			cols, err := copyColumns(t, attlist)
			if err != nil {
				return "", err
			}
			if len(attlist) == 0 && len(cols) < len(t.Columns) { // without its generated columns
				for _, i := range cols {
					attlist = append(attlist, pg_query.MakeStrNode(t.Columns[i].Name))
				}
			}
		}
		if len(attlist) == 0 {
			sel.TargetList = []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: []*pg_query.Node{{Node: &pg_query.Node_AStar{AStar: &pg_query.A_Star{}}}}}}}}}}}
		}
		for _, name := range plan.NodeStrings(attlist) {
			sel.TargetList = append(sel.TargetList, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: []*pg_query.Node{pg_query.MakeStrNode(name)}}}}}}})
		}
		qp, err = p.PlanSelect(sel, nil)
	}
	if err != nil {
		return "", err
	}
	if err := ec.tx.recordDeps(p.Deps); err != nil {
		return "", err
	}
	cols := plan.VisibleCols(qp)
	format, colFormats := o.FormatCodes(len(cols))
	it, err := qp.Start(ec.Ctx)
	if err != nil {
		return "", err
	}
	defer it.Close()
	if err := cw.CopyOut(format, colFormats); err != nil {
		return "", err
	}
	var buf []byte
	if format == 1 {
		buf = append(append(buf, copyfmt.BinarySignature...), 0, 0, 0, 0, 0, 0, 0, 0)
	} else if o.Header {
		for i, c := range cols {
			if i > 0 {
				buf = append(buf, o.Delim)
			}
			buf = append(buf, c.Name...)
		}
		buf = append(buf, '\n')
	}
	// One CopyData per row (and one for a text header and one for the
	// binary trailer; the binary header rides with the first row), as
	// PostgreSQL sends them: clients that read COPY output row by row
	// (psycopg 3's Copy.rows) rely on it. pgwire buffers the messages, so
	// this costs no extra writes.
	if len(buf) > 0 && format != 1 {
		if err := cw.CopyData(buf); err != nil {
			return "", err
		}
		buf = buf[:0]
	}
	var n int64
	for {
		row, err := it.Next()
		if err != nil {
			return "", err
		}
		if row == nil {
			break
		}
		if format == 1 {
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(cols)))
			for i, c := range cols {
				if row[i] == nil {
					buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
					continue
				}
				at := len(buf)
				buf = append(buf, 0, 0, 0, 0)
				if buf, err = types.AppendBinary(buf, c.T, row[i]); err != nil {
					return "", err
				}
				binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
			}
		} else {
			for i, c := range cols {
				if i > 0 {
					buf = append(buf, o.Delim)
				}
				if row[i] == nil {
					buf = append(buf, o.Null...)
					continue
				}
				txt := s.textValue(ec.tx, c.T, row[i])
				if o.Format == "csv" {
					buf = copyfmt.AppendCSV(buf, txt, o, len(cols) == 1)
				} else {
					buf = copyfmt.AppendEscaped(buf, txt, o.Delim)
				}
			}
			buf = append(buf, '\n')
		}
		n++
		if err := cw.CopyData(buf); err != nil {
			return "", err
		}
		buf = buf[:0]
	}
	if format == 1 {
		buf = append(buf, 0xff, 0xff)
	}
	if len(buf) > 0 {
		if err := cw.CopyData(buf); err != nil {
			return "", err
		}
	}
	if err := cw.CopyDone(); err != nil {
		return "", err
	}
	return "COPY " + strconv.FormatInt(n, 10), nil
}

func (s *Session) textValue(tx *txnState, t types.T, d types.Datum) string {
	b, _ := s.encodeValue(nil, t, d, false, tx)
	return string(b)
}

// copyColumns are the columns COPY t [(list)] reads or writes: the list's,
// or every column but the generated ones (as PostgreSQL 15, which refuses
// a generated column in the list with 42P10).
func copyColumns(t *catalog.Table, attlist []*pg_query.Node) ([]int, error) {
	var cols []int
	if len(attlist) == 0 {
		for i, c := range t.Columns {
			if c.Generated == "" {
				cols = append(cols, i)
			}
		}
		return cols, nil
	}
	for _, name := range plan.NodeStrings(attlist) {
		i, c := t.Column(name)
		if i < 0 {
			return nil, pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, t.Name)
		}
		if c.Generated != "" {
			return nil, &pgerror.Error{Code: "42P10", Message: "column \"" + name + "\" is a generated column",
				Detail: "Generated columns cannot be used in COPY."}
		}
		cols = append(cols, i)
	}
	return cols, nil
}

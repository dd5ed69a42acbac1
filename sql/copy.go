package sql

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
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

type copyOpts struct {
	format    string // "text", "csv", "binary"
	delim     byte
	null      string
	header    bool
	quote     byte
	hasHeader bool
}

// formatCodes are the CopyInResponse/CopyOutResponse format codes: the
// overall one and one for each of n columns (1 binary, 0 text).
func (o copyOpts) formatCodes(n int) (int16, []int16) {
	f := int16(0)
	if o.format == "binary" {
		f = 1
	}
	fs := make([]int16, n)
	for i := range fs {
		fs[i] = f
	}
	return f, fs
}

func parseCopyOpts(cs *pg_query.CopyStmt) (copyOpts, error) {
	o := copyOpts{format: "text", delim: '\t', null: `\N`, quote: '"'}
	nullSet, delimSet := false, false
	for _, n := range cs.Options {
		de := n.GetDefElem()
		if de == nil {
			continue
		}
		val := ""
		if de.Arg != nil {
			switch {
			case de.Arg.GetString_() != nil:
				val = de.Arg.GetString_().Sval
			case de.Arg.GetBoolean() != nil:
				val = strconv.FormatBool(de.Arg.GetBoolean().Boolval)
			case de.Arg.GetInteger() != nil:
				val = strconv.Itoa(int(de.Arg.GetInteger().Ival))
			}
		}
		switch de.Defname {
		case "format":
			o.format = strings.ToLower(val)
		case "delimiter":
			if len(val) != 1 {
				return o, pgerror.New(pgerror.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
			}
			o.delim, delimSet = val[0], true
		case "null":
			o.null, nullSet = val, true
		case "header":
			o.header = val == "" || val == "true" || val == "1" || val == "on"
		case "quote":
			if len(val) == 1 {
				o.quote = val[0]
			}
		case "freeze", "encoding", "escape", "force_not_null", "force_null", "force_quote":
		default:
			return o, pgerror.New(pgerror.SyntaxError, "option \"%s\" not recognized", de.Defname)
		}
	}
	switch o.format {
	case "text", "binary":
	case "csv":
		if !delimSet {
			o.delim = ','
		}
		if !nullSet {
			o.null = ""
		}
	default:
		return o, pgerror.New(pgerror.InvalidParameterValue, "COPY format \"%s\" not recognized", o.format)
	}
	return o, nil
}

// execCopy runs COPY ... FROM STDIN / TO STDOUT through the writer's COPY
// methods and returns the command tag.
func (s *Session) execCopy(ec *execCtx, cs *pg_query.CopyStmt, w ResultWriter) (string, error) {
	if cs.Filename != "" || cs.IsProgram {
		return "", pgerror.New(pgerror.InsufficientPrivilege, "COPY to or from a file or program is not supported; use STDIN/STDOUT (psql's \\copy)")
	}
	o, err := parseCopyOpts(cs)
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

func (s *Session) copyIn(ec *execCtx, cs *pg_query.CopyStmt, o copyOpts, cw copyInWriter) (string, error) {
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
	if err := ec.tx.recordDeps(p.Deps); err != nil { // after the writer: it adds foreign keys' tables
		return "", err
	}
	cols := exec.Seq(len(t.Columns))
	if len(cs.Attlist) > 0 {
		cols = cols[:0]
		for _, name := range plan.NodeStrings(cs.Attlist) {
			i, _ := t.Column(name)
			if i < 0 {
				return "", pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, t.Name)
			}
			cols = append(cols, i)
		}
	}
	format, colFormats := o.formatCodes(len(cols))
	if err := cw.CopyIn(format, colFormats); err != nil {
		return "", err
	}
	var n int64
	insert := func(vals []types.Datum, given []bool) error {
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
		if _, _, err := tw.Insert(ec.Ctx, row, nil); err != nil {
			return err
		}
		n++
		return ec.Tick()
	}
	// drain reads the rest of the stream after an error, so the
	// connection stays in step.
	drainRest := func(err error) (string, error) {
		for {
			if _, rerr := cw.ReadCopyData(); rerr != nil {
				return "", err
			}
		}
	}
	var buf []byte
	line := 0
	done := false
	for !done {
		data, err := cw.ReadCopyData()
		if err == io.EOF {
			done = true
		} else if err != nil {
			return "", err
		} else {
			buf = append(buf, data...)
		}
		if o.format == "binary" {
			continue
		}
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				if done && len(buf) > 0 {
					i = len(buf)
				} else {
					break
				}
			}
			text := string(bytes.TrimSuffix(buf[:i], []byte{'\r'}))
			if i < len(buf) {
				buf = buf[i+1:]
			} else {
				buf = buf[:0]
			}
			line++
			if text == `\.` {
				continue
			}
			if o.header && line == 1 {
				continue
			}
			fields, nulls := splitCopyLine(text, o)
			if len(fields) != len(cols) {
				e := pgerror.New("22P04", "extra data after last expected column")
				if len(fields) < len(cols) {
					e = pgerror.New("22P04", "missing data for column \"%s\"", t.Columns[cols[len(fields)]].Name)
				}
				if !done {
					return drainRest(e)
				}
				return "", e
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
					if !done {
						return drainRest(err)
					}
					return "", err
				}
				vals[i] = v
			}
			if err := insert(vals, nil); err != nil {
				if !done {
					return drainRest(err)
				}
				return "", err
			}
		}
	}
	if o.format == "binary" {
		if err := copyInBinary(buf, t, cols, insert); err != nil {
			return "", err
		}
	}
	if err := ec.FKAfterStatement(); err != nil {
		ec.FKDropPending()
		return "", err
	}
	return "COPY " + strconv.FormatInt(n, 10), nil
}

var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

func copyInBinary(b []byte, t *catalog.Table, cols []int, insert func([]types.Datum, []bool) error) error {
	bad := func() error { return pgerror.New("22P04", "invalid COPY file header") }
	if len(b) < 19 || !bytes.Equal(b[:11], copySignature) {
		return bad()
	}
	ext := binary.BigEndian.Uint32(b[15:19])
	b = b[19:]
	if uint32(len(b)) < ext {
		return bad()
	}
	b = b[ext:]
	for len(b) >= 2 {
		nf := int16(binary.BigEndian.Uint16(b))
		b = b[2:]
		if nf == -1 {
			return nil
		}
		if int(nf) != len(cols) {
			return pgerror.New("22P04", "row field count is %d, expected %d", nf, len(cols))
		}
		vals := make([]types.Datum, len(cols))
		for i := range cols {
			if len(b) < 4 {
				return pgerror.New("22P04", "unexpected EOF in COPY data")
			}
			l := int32(binary.BigEndian.Uint32(b))
			b = b[4:]
			if l < 0 {
				continue
			}
			if int(l) > len(b) {
				return pgerror.New("22P04", "unexpected EOF in COPY data")
			}
			v, err := types.DecodeBinary(t.Columns[cols[i]].Type, b[:l])
			if err != nil {
				return err
			}
			vals[i] = v
			b = b[l:]
		}
		if err := insert(vals, nil); err != nil {
			return err
		}
	}
	return nil
}

// splitCopyLine splits one line of text or CSV COPY data.
func splitCopyLine(line string, o copyOpts) ([]string, []bool) {
	var fields []string
	var nulls []bool
	if o.format == "csv" {
		var cur strings.Builder
		quoted, wasQuoted := false, false
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case quoted && c == o.quote && i+1 < len(line) && line[i+1] == o.quote:
				cur.WriteByte(c)
				i++
			case c == o.quote:
				quoted = !quoted
				wasQuoted = true
			case c == o.delim && !quoted:
				f := cur.String()
				fields, nulls = append(fields, f), append(nulls, !wasQuoted && f == o.null)
				cur.Reset()
				wasQuoted = false
			default:
				cur.WriteByte(c)
			}
		}
		f := cur.String()
		return append(fields, f), append(nulls, !wasQuoted && f == o.null)
	}
	for _, raw := range strings.Split(line, string(o.delim)) {
		if raw == o.null {
			fields, nulls = append(fields, ""), append(nulls, true)
			continue
		}
		fields, nulls = append(fields, unescapeCopy(raw)), append(nulls, false)
	}
	return fields, nulls
}

func unescapeCopy(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			// \N, \NN or \NNN: a byte in octal, as PostgreSQL reads it.
			v := 0
			for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
				v = v*8 + int(s[i]-'0')
				i++
			}
			i--
			b.WriteByte(byte(v))
		case 'x':
			// \xH or \xHH: a byte in hex; a bare \x is an x.
			v, n := 0, 0
			for ; n < 2 && i+1 < len(s) && isHexDigit(s[i+1]); n++ {
				i++
				v = v*16 + hexValue(s[i])
			}
			if n == 0 {
				b.WriteByte('x')
			} else {
				b.WriteByte(byte(v))
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexValue(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

func (s *Session) copyOut(ec *execCtx, cs *pg_query.CopyStmt, o copyOpts, cw copyOutWriter) (string, error) {
	p := newPlanner(s, ec.tx, ec.tx.cat)
	var qp exec.Node
	var err error
	if cs.Query != nil {
		qp, err = p.PlanQuery(cs.Query, nil)
	} else {
		sel := &pg_query.SelectStmt{Op: pg_query.SetOperation_SETOP_NONE, FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeVar{RangeVar: cs.Relation}}}}
		if len(cs.Attlist) == 0 {
			sel.TargetList = []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: []*pg_query.Node{{Node: &pg_query.Node_AStar{AStar: &pg_query.A_Star{}}}}}}}}}}}
		}
		for _, name := range plan.NodeStrings(cs.Attlist) {
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
	format, colFormats := o.formatCodes(len(cols))
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
		buf = append(append(buf, copySignature...), 0, 0, 0, 0, 0, 0, 0, 0)
	} else if o.header {
		for i, c := range cols {
			if i > 0 {
				buf = append(buf, o.delim)
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
					buf = append(buf, o.delim)
				}
				if row[i] == nil {
					buf = append(buf, o.null...)
					continue
				}
				txt := s.textValue(ec.tx, c.T, row[i])
				if o.format == "csv" {
					buf = appendCSV(buf, txt, o, len(cols) == 1)
				} else {
					buf = appendCopyEscaped(buf, txt, o.delim)
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

func appendCopyEscaped(dst []byte, s string, delim byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c == delim {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
		}
	}
	return dst
}

// appendCSV appends one CSV field, quoted when it must be: it holds the
// delimiter, the quote or a line break, it reads as NULL, or (a single
// column) it is \. alone on a line, which would read as the end of data.
func appendCSV(dst []byte, s string, o copyOpts, singleColumn bool) []byte {
	if s != "" && !strings.ContainsAny(s, string([]byte{o.delim, o.quote, '\n', '\r'})) && s != o.null &&
		!(singleColumn && s == `\.`) {
		return append(dst, s...)
	}
	dst = append(dst, o.quote)
	for i := 0; i < len(s); i++ {
		if s[i] == o.quote {
			dst = append(dst, o.quote)
		}
		dst = append(dst, s[i])
	}
	return append(dst, o.quote)
}

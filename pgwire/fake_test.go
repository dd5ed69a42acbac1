package pgwire

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"logdb/sql"
	"logdb/sql/pgerror"
)

// fakeEngine and fakeSession script the SQL layer so these tests exercise
// pgwire alone. The fake "SQL" is a handful of fixed statements, see plan.

type fakeEngine struct {
	mu       sync.Mutex
	calls    []string // Session calls, in order, e.g. "Bind stmt=s1"
	sessions []*fakeSession
	started  chan string   // receives each SimpleQuery/Execute query as it starts, if non-nil
	release  chan struct{} // closing it lets "wait" statements finish
}

func (e *fakeEngine) NewSession(p sql.SessionParams) (Session, error) {
	if p.Database != "logdb" && p.Database != "postgres" && p.Database != p.User {
		return nil, pgerror.New(pgerror.InvalidCatalogName, "database %q does not exist", p.Database)
	}
	s := &fakeSession{e: e, params: p, prepared: map[string]*fakePrepared{}, portals: map[string]*fakePortal{}, tx: 'I'}
	e.mu.Lock()
	e.sessions = append(e.sessions, s)
	e.mu.Unlock()
	return s, nil
}

func (e *fakeEngine) record(format string, args ...any) {
	e.mu.Lock()
	e.calls = append(e.calls, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

func (e *fakeEngine) takeCalls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.calls
	e.calls = nil
	return c
}

func (e *fakeEngine) closedSessions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, s := range e.sessions {
		if s.closed {
			n++
		}
	}
	return n
}

type fakePlan struct {
	paramTypes []uint32
	cols       []sql.Column // nil: no result rows
	rows       func(args []any) [][]any
	tag        string // for statements without rows
	empty      bool
	block      bool // wait for the context to be canceled, then return ctx.Err()
	wait       bool // wait for fakeEngine.release
	err        *pgerror.Error
	effect     func(s *fakeSession) error
}

var (
	int8Col = sql.Column{Name: "x", TypeOID: 20, TypeLen: 8, TypeMod: -1}
	textCol = sql.Column{Name: "t", TypeOID: 25, TypeLen: -1, TypeMod: -1}
	nCol    = sql.Column{Name: "n", TypeOID: 20, TypeLen: 8, TypeMod: -1}
)

// plan interprets the fake SQL.
func plan(q string) fakePlan {
	q = strings.TrimSpace(q)
	// Real SQL used by the scripts that also run against PostgreSQL.
	switch {
	case q == "select generate_series(1, 5) as n":
		q = "rows 5"
	case q == "select * from nosuch":
		q = "error"
	case q == "copy t from stdin":
		q = "copy in"
	case q == "copy t to stdout":
		q = "copy out"
	case q == "create temp table t (a text)":
		return fakePlan{tag: "CREATE TABLE"}
	case strings.HasPrefix(q, "set application_name = "):
		q = "set application_name " + q[len("set application_name = "):]
	}
	switch {
	case q == "" || q == ";" || strings.HasPrefix(q, "--"):
		return fakePlan{empty: true}
	case strings.HasPrefix(q, "rows "):
		n, _ := strconv.Atoi(q[5:])
		return fakePlan{cols: []sql.Column{nCol}, rows: func([]any) [][]any {
			out := make([][]any, n)
			for i := range out {
				out[i] = []any{int64(i + 1)}
			}
			return out
		}}
	case q == "select 1":
		return fakePlan{cols: []sql.Column{int8Col}, rows: func([]any) [][]any { return [][]any{{int64(1)}} }}
	case q == "select $1::int8":
		return fakePlan{paramTypes: []uint32{20}, cols: []sql.Column{int8Col}, rows: func(a []any) [][]any { return [][]any{{a[0]}} }}
	case q == "select $1::int8, $2::text":
		return fakePlan{paramTypes: []uint32{20, 25}, cols: []sql.Column{int8Col, textCol}, rows: func(a []any) [][]any { return [][]any{{a[0], a[1]}} }}
	case q == "select null":
		return fakePlan{cols: []sql.Column{textCol}, rows: func([]any) [][]any { return [][]any{{nil}} }}
	case q == "insert":
		return fakePlan{tag: "INSERT 0 1"}
	case q == "wait":
		return fakePlan{tag: "WAITED", wait: true}
	case q == "sleep":
		return fakePlan{cols: []sql.Column{int8Col}, block: true}
	case q == "error":
		return fakePlan{err: &pgerror.Error{Code: pgerror.UndefinedTable, Message: `relation "nosuch" does not exist`, Position: 15, Hint: "a hint", Table: "nosuch"}}
	case q == "fatal":
		return fakePlan{err: &pgerror.Error{Code: pgerror.AdminShutdown, Message: "going away", Severity: "FATAL"}}
	case q == "internal":
		return fakePlan{effect: func(*fakeSession) error { return fmt.Errorf("disk on fire") }}
	case q == "panic":
		return fakePlan{effect: func(*fakeSession) error { panic("fake panic") }}
	case q == "notice":
		return fakePlan{tag: "DO", effect: func(s *fakeSession) error {
			return s.w.Notice(&pgerror.Error{Message: "just so you know"})
		}}
	case q == "copy in":
		return fakePlan{effect: func(s *fakeSession) error {
			cw := s.w.(copyWriter)
			if err := cw.CopyIn(0, []int16{0}); err != nil {
				return err
			}
			n := 0
			for {
				data, err := cw.ReadCopyData()
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
				n += strings.Count(string(data), "\n")
			}
			s.tag = fmt.Sprintf("COPY %d", n)
			return nil
		}}
	case q == "copy out":
		return fakePlan{effect: func(s *fakeSession) error {
			cw := s.w.(copyWriter)
			cw.CopyOut(0, []int16{0})
			for i := range 3 {
				cw.CopyData([]byte(fmt.Sprintf("%d\n", i+1)))
			}
			cw.CopyDone()
			s.tag = "COPY 3"
			return nil
		}}
	case q == "begin":
		return fakePlan{tag: "BEGIN", effect: func(s *fakeSession) error { s.tx = 'T'; return nil }}
	case q == "commit":
		return fakePlan{tag: "COMMIT", effect: func(s *fakeSession) error {
			if s.tx == 'E' {
				s.tag = "ROLLBACK"
			}
			s.tx = 'I'
			return nil
		}}
	case strings.HasPrefix(q, "set application_name "):
		return fakePlan{tag: "SET", effect: func(s *fakeSession) error {
			s.changed = append(s.changed, [2]string{"application_name", strings.Trim(q[len("set application_name "):], "'")})
			return nil
		}}
	}
	return fakePlan{err: &pgerror.Error{Code: pgerror.SyntaxError, Message: fmt.Sprintf("fake: cannot parse %q", q)}}
}

// copyWriter is what the SQL layer would declare to run COPY through the
// ResultWriter pgwire gives it (see copy.go).
type copyWriter interface {
	CopyIn(format int16, columnFormats []int16) error
	ReadCopyData() ([]byte, error)
	CopyOut(format int16, columnFormats []int16) error
	CopyData(data []byte) error
	CopyDone() error
}

type fakePrepared struct {
	p    sql.Prepared
	plan fakePlan
}

type fakePortal struct {
	p       sql.Portal
	sql     string
	plan    fakePlan
	args    []any
	formats []int16
	rows    [][]any // nil until the first Execute
	pos     int
}

type fakeSession struct {
	e      *fakeEngine
	params sql.SessionParams

	prepared map[string]*fakePrepared
	portals  map[string]*fakePortal
	tx       byte
	changed  [][2]string
	closed   bool // guarded by e.mu

	notify func(pid uint32, channel, payload string) // guarded by e.mu

	w   sql.ResultWriter // during a call
	tag string           // overrides the plan's tag during a call
	row [][]byte         // reused DataRow values
	enc []byte           // reused encoding buffer
}

func (s *fakeSession) SetNotifier(notify func(pid uint32, channel, payload string)) {
	s.e.mu.Lock()
	s.notify = notify
	s.e.mu.Unlock()
}

// notifyAll delivers a notification to every open session, as a committed
// NOTIFY would to its listeners.
func (e *fakeEngine) notifyAll(channel, payload string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.sessions {
		if !s.closed && s.notify != nil {
			s.notify(7, channel, payload)
		}
	}
}

// PID makes the session a PIDer: the first session is 4242, then 4243, ...
func (s *fakeSession) PID() int32 {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	for i, o := range s.e.sessions {
		if o == s {
			return int32(4242 + i)
		}
	}
	return 0
}

func (s *fakeSession) ParameterStatus() [][2]string {
	return [][2]string{
		{"application_name", s.params.ApplicationName},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"integer_datetimes", "on"},
		{"server_encoding", "UTF8"},
		{"server_version", "15.0 (logdb)"},
		{"standard_conforming_strings", "on"},
		{"TimeZone", "UTC"},
	}
}

func (s *fakeSession) ChangedParameters() [][2]string {
	c := s.changed
	s.changed = nil
	return c
}

func (s *fakeSession) TxStatus() byte                               { return s.tx }
func (s *fakeSession) IdleTimeout() (time.Duration, *pgerror.Error) { return 0, nil }

func (s *fakeSession) fail(err error) error {
	if s.tx == 'T' {
		s.tx = 'E'
	}
	return err
}

// run executes a plan's effect, blocking and error.
func (s *fakeSession) run(ctx context.Context, q string, p fakePlan, w sql.ResultWriter) error {
	if s.e.started != nil {
		s.e.started <- q
	}
	if s.tx == 'E' && q != "commit" && q != "rollback" {
		return pgerror.New(pgerror.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if p.block {
		<-ctx.Done()
		return s.fail(ctx.Err())
	}
	if p.wait {
		select {
		case <-s.e.release:
		case <-ctx.Done():
			return s.fail(ctx.Err())
		}
	}
	if p.err != nil {
		return s.fail(p.err)
	}
	if p.effect != nil {
		s.w, s.tag = w, ""
		err := p.effect(s)
		s.w = nil
		if err != nil {
			return s.fail(err)
		}
	}
	return nil
}

func (s *fakeSession) SimpleQuery(ctx context.Context, query string, w sql.ResultWriter) error {
	s.e.record("SimpleQuery %s", query)
	stmts := []string{query}
	if strings.Contains(query, "; ") {
		stmts = strings.Split(query, "; ")
	}
	for _, q := range stmts {
		p := plan(q)
		if err := s.run(ctx, q, p, w); err != nil {
			return err
		}
		switch {
		case p.empty:
			w.Empty()
		case p.cols != nil:
			w.Columns(p.cols)
			rows := p.rows(nil)
			for _, r := range rows {
				if err := w.Row(s.encodeRow(r, p.cols, nil)); err != nil {
					return err
				}
			}
			w.Complete(fmt.Sprintf("SELECT %d", len(rows)))
		default:
			tag := p.tag
			if s.tag != "" {
				tag = s.tag
			}
			w.Complete(tag)
		}
	}
	return nil
}

func (s *fakeSession) Prepare(ctx context.Context, name, query string, paramTypes []uint32) (*sql.Prepared, error) {
	s.e.record("Prepare %s", name)
	if _, dup := s.prepared[name]; dup && name != "" {
		return nil, s.fail(pgerror.New(pgerror.DuplicatePreparedStatement, "prepared statement %q already exists", name))
	}
	p := plan(query)
	if p.err != nil && p.err.Code == pgerror.SyntaxError {
		return nil, s.fail(p.err)
	}
	fp := &fakePrepared{p: sql.Prepared{Name: name, SQL: query, ParamTypes: p.paramTypes, Columns: p.cols}, plan: p}
	s.prepared[name] = fp
	return &fp.p, nil
}

func (s *fakeSession) Prepared(name string) (*sql.Prepared, error) {
	fp, ok := s.prepared[name]
	if !ok {
		return nil, s.fail(pgerror.New(pgerror.UndefinedPreparedStatement, "prepared statement %q does not exist", name))
	}
	return &fp.p, nil
}

func (s *fakeSession) ClosePrepared(name string) {
	s.e.record("ClosePrepared %s", name)
	delete(s.prepared, name)
}

func (s *fakeSession) Bind(ctx context.Context, portal, stmt string, paramFormats []int16, params [][]byte, resultFormats []int16) (*sql.Portal, error) {
	s.e.record("Bind %s", stmt)
	fp, ok := s.prepared[stmt]
	if !ok {
		return nil, s.fail(pgerror.New(pgerror.UndefinedPreparedStatement, "prepared statement %q does not exist", stmt))
	}
	if len(params) != len(fp.p.ParamTypes) {
		return nil, s.fail(pgerror.New(pgerror.ProtocolViolation, "bind message supplies %d parameters, but prepared statement %q requires %d", len(params), stmt, len(fp.p.ParamTypes)))
	}
	args := make([]any, len(params))
	for i, v := range params {
		if v == nil {
			continue
		}
		f := formatAt(paramFormats, i)
		switch fp.p.ParamTypes[i] {
		case 20:
			if f == 1 {
				if len(v) != 8 {
					return nil, s.fail(pgerror.New(pgerror.InvalidBinaryRepresentation, "insufficient data left in message"))
				}
				args[i] = int64(binary.BigEndian.Uint64(v))
			} else {
				n, err := strconv.ParseInt(string(v), 10, 64)
				if err != nil {
					return nil, s.fail(pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type bigint: %q", v))
				}
				args[i] = n
			}
		default:
			args[i] = string(v)
		}
	}
	fo := &fakePortal{sql: fp.p.SQL, plan: fp.plan, args: args, formats: append([]int16(nil), resultFormats...)}
	fo.p.Name = portal
	if fp.p.Columns != nil {
		fo.p.Columns = make([]sql.Column, len(fp.p.Columns))
		for i, c := range fp.p.Columns {
			c.Format = formatAt(resultFormats, i)
			fo.p.Columns[i] = c
		}
	}
	s.portals[portal] = fo
	return &fo.p, nil
}

func formatAt(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	if i < len(formats) {
		return formats[i]
	}
	return 0
}

func (s *fakeSession) Portal(name string) (*sql.Portal, error) {
	fo, ok := s.portals[name]
	if !ok {
		return nil, s.fail(pgerror.New(pgerror.InvalidCursorName, "portal %q does not exist", name))
	}
	return &fo.p, nil
}

func (s *fakeSession) ClosePortal(name string) {
	s.e.record("ClosePortal %s", name)
	delete(s.portals, name)
}

func (s *fakeSession) Execute(ctx context.Context, portal string, maxRows int, w sql.ResultWriter) (bool, error) {
	s.e.record("Execute %s %d", portal, maxRows)
	fo, ok := s.portals[portal]
	if !ok {
		return false, s.fail(pgerror.New(pgerror.InvalidCursorName, "portal %q does not exist", portal))
	}
	p := fo.plan
	if fo.rows == nil {
		if err := s.run(ctx, fo.sql, p, w); err != nil {
			return false, err
		}
		if p.empty {
			return false, w.Empty()
		}
		if p.cols == nil {
			tag := p.tag
			if s.tag != "" {
				tag = s.tag
			}
			return false, w.Complete(tag)
		}
		fo.rows = p.rows(fo.args)
	}
	n := 0
	for fo.pos < len(fo.rows) {
		if maxRows > 0 && n == maxRows {
			return true, nil
		}
		if err := w.Row(s.encodeRow(fo.rows[fo.pos], p.cols, fo.formats)); err != nil {
			return false, err
		}
		fo.pos++
		n++
	}
	return false, w.Complete(fmt.Sprintf("SELECT %d", n))
}

func (s *fakeSession) Sync(ctx context.Context) error {
	s.e.record("Sync")
	for name := range s.portals {
		if s.tx == 'I' {
			delete(s.portals, name)
		}
	}
	return nil
}

func (s *fakeSession) BatchStart()                        {}
func (s *fakeSession) SyncOnce(ctx context.Context) error { return s.Sync(ctx) }
func (s *fakeSession) RerunnableBatch(err error) bool     { return false }
func (s *fakeSession) NoteRetry()                         {}

func (s *fakeSession) Close() {
	s.e.mu.Lock()
	s.closed = true
	s.e.mu.Unlock()
}

// encodeRow encodes values into reused buffers, as a real session would.
func (s *fakeSession) encodeRow(vals []any, cols []sql.Column, formats []int16) [][]byte {
	s.row = s.row[:0]
	s.enc = s.enc[:0]
	type span struct{ start, end int }
	var spans [4]span
	for i, v := range vals {
		start := len(s.enc)
		switch v := v.(type) {
		case nil:
			spans[i] = span{-1, -1}
			continue
		case int64:
			if formatAt(formats, i) == 1 {
				s.enc = binary.BigEndian.AppendUint64(s.enc, uint64(v))
			} else {
				s.enc = strconv.AppendInt(s.enc, v, 10)
			}
		case string:
			s.enc = append(s.enc, v...)
		}
		spans[i] = span{start, len(s.enc)}
	}
	for i := range vals {
		if spans[i].start < 0 {
			s.row = append(s.row, nil)
		} else {
			s.row = append(s.row, s.enc[spans[i].start:spans[i].end:spans[i].end])
		}
	}
	return s.row
}

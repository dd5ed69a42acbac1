package sql

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/parse"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Statement logging, as PostgreSQL's log_statement,
// log_min_duration_statement and log_min_error_statement do it: lines on
// the node's log (Config.Logger), each with the session's pid, user,
// database and application_name.
//
//	log_statement = ddl | mod | all   before a statement runs:
//	  "statement: <query string>"               simple protocol
//	  "execute <stmt>[/<portal>]: <text>"        extended protocol, with
//	                                             detail "parameters: $1 = '…', …"
//	log_min_duration_statement = N    after a statement that took N ms or more:
//	  "duration: 12.345 ms  statement: <text>"  ("duration: 12.345 ms" alone
//	                                             when log_statement logged it)
//	log_min_error_statement = error   a statement that failed (at level ERROR),
//	                                  with sqlstate and statement attributes
//
// The statement-kind and duration lines are at INFO, failed statements at
// ERROR. A password in CREATE/ALTER ROLE … PASSWORD '…' is replaced by
// '…' wherever a statement is logged (PostgreSQL 15 logs it as sent), and
// the parameters of such a statement are not logged. A logged statement is
// cut at maxLoggedStatement bytes, a parameter value at maxLoggedParam.
const (
	maxLoggedStatement = 16 << 10
	maxLoggedParam     = 1 << 10
	maxLoggedParams    = 16 << 10 // all of a statement's parameters together
)

// Log levels of log_statement, in order: a statement is logged when its
// level is at or under the setting's.
const (
	logStmtNone = iota
	logStmtDDL
	logStmtMod
	logStmtAll
)

// logConfig is the session's statement-logging settings, read once per
// settings generation.
type logConfig struct {
	gen       int
	valid     bool
	statement int           // logStmt*
	minDur    time.Duration // < 0: off
	errors    bool          // log_min_error_statement is at or under error
}

func (s *Session) logCfg() *logConfig {
	c := &s.logConf
	if c.valid && c.gen == s.set.Gen {
		return c
	}
	c.gen, c.valid = s.set.Gen, true
	switch s.set.Vals["log_statement"] {
	case "ddl":
		c.statement = logStmtDDL
	case "mod":
		c.statement = logStmtMod
	case "all":
		c.statement = logStmtAll
	default:
		c.statement = logStmtNone
	}
	c.minDur = -1
	if ms, err := strconv.ParseInt(s.set.Vals["log_min_duration_statement"], 10, 64); err == nil && ms >= 0 {
		c.minDur = time.Duration(ms) * time.Millisecond
	}
	switch s.set.Vals["log_min_error_statement"] {
	case "log", "fatal", "panic":
		c.errors = false
	default:
		c.errors = true
	}
	if s.e.cfg.Logger == nil {
		c.statement, c.minDur, c.errors = logStmtNone, -1, false
	}
	return c
}

// stmtLogLevel is the log_statement level that logs n, as PostgreSQL's
// GetCommandLogLevel decides it.
func stmtLogLevel(st parse.Stmt) int {
	n := st.Node
	if n == nil {
		return logStmtAll // SUBSCRIBE, BACKUP, empty
	}
	switch {
	case n.GetSelectStmt() != nil:
		if n.GetSelectStmt().IntoClause != nil {
			return logStmtDDL
		}
		return logStmtAll
	case n.GetInsertStmt() != nil, n.GetUpdateStmt() != nil, n.GetDeleteStmt() != nil,
		n.GetMergeStmt() != nil, n.GetTruncateStmt() != nil:
		return logStmtMod
	case n.GetCopyStmt() != nil:
		if n.GetCopyStmt().IsFrom {
			return logStmtMod
		}
		return logStmtAll
	case n.GetDeclareCursorStmt() != nil:
		return stmtLogLevel(parse.Stmt{Node: n.GetDeclareCursorStmt().Query})
	case n.GetPrepareStmt() != nil:
		return stmtLogLevel(parse.Stmt{Node: n.GetPrepareStmt().Query})
	case n.GetExplainStmt() != nil:
		for _, o := range n.GetExplainStmt().Options {
			if de := o.GetDefElem(); de != nil && de.Defname == "analyze" {
				return stmtLogLevel(parse.Stmt{Node: n.GetExplainStmt().Query})
			}
		}
		return logStmtAll
	}
	name := fmt.Sprintf("%T", n.Node) // *pg_query.Node_CreateStmt
	name = name[strings.LastIndexByte(name, '_')+1:]
	for _, p := range []string{"Create", "Alter", "Drop", "Rename", "Grant", "Comment", "Define", "Index", "View",
		"Rule", "CompositeType", "Reassign", "SecLabel", "ImportForeign", "RefreshMatView"} {
		if strings.HasPrefix(name, p) {
			return logStmtDDL
		}
	}
	return logStmtAll
}

// logAttrs are the session's attributes on every statement-log line.
func (s *Session) logAttrs(attrs ...any) []any {
	return append(attrs, "pid", s.pid, "user", s.user, "db", s.db, "app", s.set.Vals["application_name"])
}

// logSimpleStart logs a simple-protocol query string under log_statement
// (when one of its statements is of a kind it logs); it reports whether
// it did.
func (s *Session) logSimpleStart(query string, stmts []parse.Stmt) bool {
	c := s.logCfg()
	if c.statement == logStmtNone {
		return false
	}
	for _, st := range stmts {
		if stmtLogLevel(st) <= c.statement {
			s.e.cfg.Logger.Info("statement: "+loggedText(query), s.logAttrs()...)
			return true
		}
	}
	return false
}

// logSimpleEnd logs a simple-protocol query string's duration and error.
func (s *Session) logSimpleEnd(query string, logged bool, start time.Time, err error) {
	c := s.logCfg()
	if err != nil {
		// a failed statement's duration is not logged, as in PostgreSQL
		if c.errors {
			s.logError(query, err)
		}
		return
	}
	if c.minDur < 0 {
		return
	}
	d := time.Since(start)
	if d < c.minDur {
		return
	}
	if logged {
		s.e.cfg.Logger.Info("duration: "+durationText(d), s.logAttrs()...)
		return
	}
	s.e.cfg.Logger.Info("duration: "+durationText(d)+"  statement: "+loggedText(query), s.logAttrs()...)
}

// logError logs a failed statement with its SQLSTATE and text.
func (s *Session) logError(query string, err error) {
	pe := pgerror.As(err)
	msg := pe.Message
	if i := strings.Index(msg, " at or near "); i >= 0 && containsFold(query, "password") {
		msg = msg[:i] + " at or near …" // a syntax error quotes the text, which may be the password
	}
	attrs := []any{"sqlstate", pe.Code}
	if query != "" {
		attrs = append(attrs, "statement", loggedText(query))
	}
	s.e.cfg.Logger.Error(msg, s.logAttrs(attrs...)...)
}

// logExtendedError logs an error of Parse or Bind, with the statement.
func (s *Session) logExtendedError(query string, err error) {
	if err != nil && s.logCfg().errors {
		s.logError(query, err)
	}
}

// logExecuteStart logs an Execute under log_statement; it reports
// whether it did.
func (s *Session) logExecuteStart(p *Portal, fetch bool) bool {
	c := s.logCfg()
	if c.statement == logStmtNone || stmtLogLevel(p.prep.ps.st) > c.statement {
		return false
	}
	msg, detail := s.executeText(p, fetch)
	s.e.cfg.Logger.Info(msg, s.logAttrs(detail...)...)
	return true
}

// logExecuteEnd logs an Execute's duration and error.
func (s *Session) logExecuteEnd(p *Portal, fetch, logged bool, start time.Time, err error) {
	c := s.logCfg()
	if err != nil {
		if c.errors {
			s.logError(p.prep.SQL, err)
		}
		return
	}
	if c.minDur < 0 {
		return
	}
	d := time.Since(start)
	if d < c.minDur {
		return
	}
	if logged {
		s.e.cfg.Logger.Info("duration: "+durationText(d), s.logAttrs()...)
		return
	}
	msg, detail := s.executeText(p, fetch)
	s.e.cfg.Logger.Info("duration: "+durationText(d)+"  "+msg, s.logAttrs(detail...)...)
}

// executeText is PostgreSQL's "execute <stmt>[/<portal>]: <text>" and the
// parameters detail.
func (s *Session) executeText(p *Portal, fetch bool) (string, []any) {
	var b strings.Builder
	if fetch {
		b.WriteString("execute fetch from ")
	} else {
		b.WriteString("execute ")
	}
	if p.prep.Name == "" {
		b.WriteString("<unnamed>")
	} else {
		b.WriteString(p.prep.Name)
	}
	if p.Name != "" {
		b.WriteString("/")
		b.WriteString(p.Name)
	}
	b.WriteString(": ")
	b.WriteString(loggedText(p.prep.SQL))
	if len(p.params) == 0 {
		return b.String(), nil
	}
	return b.String(), []any{slog.String("detail", s.paramsText(p))}
}

// paramsText is "parameters: $1 = '…', $2 = NULL", bounded; the values of
// a statement that sets a password are not shown.
func (s *Session) paramsText(p *Portal) string {
	secret := hasPassword(p.prep.SQL)
	b := []byte("parameters: ")
	for i, d := range p.params {
		if len(b) > maxLoggedParams {
			b = append(b, ", …"...)
			break
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, " = "...)
		switch {
		case d == nil:
			b = append(b, "NULL"...)
		case secret:
			b = append(b, "'…'"...)
		default:
			var t types.T
			if i < len(p.prep.ps.paramTypes) {
				t = p.prep.ps.paramTypes[i]
			}
			v := types.AppendTextLoc(nil, t, d, s.set.Loc)
			cut := len(v) > maxLoggedParam
			if cut {
				v = v[:maxLoggedParam]
			}
			b = append(b, '\'')
			for _, c := range v {
				if c == '\'' {
					b = append(b, '\'')
				}
				b = append(b, c)
			}
			if cut {
				b = append(b, "..."...)
			}
			b = append(b, '\'')
		}
	}
	return string(b)
}

// durationText is PostgreSQL's "12.345 ms".
func durationText(d time.Duration) string {
	us := d.Microseconds()
	return fmt.Sprintf("%d.%03d ms", us/1000, us%1000)
}

// loggedText is a statement as logged: passwords redacted, cut at
// maxLoggedStatement bytes.
func loggedText(q string) string {
	q = redactPasswords(q)
	if len(q) > maxLoggedStatement {
		cut := maxLoggedStatement
		for cut > 0 && q[cut]&0xC0 == 0x80 {
			cut-- // not inside a UTF-8 sequence
		}
		q = q[:cut] + "… (" + strconv.Itoa(len(q)) + " bytes)"
	}
	return q
}

// hasPassword reports whether q may set a password (PASSWORD appears in
// it as a keyword, or unscannable text mentions it).
func hasPassword(q string) bool {
	if !containsFold(q, "password") {
		return false
	}
	res, err := pg_query.Scan(q)
	if err != nil {
		return true
	}
	for _, t := range res.Tokens {
		if t.Token == pg_query.Token_PASSWORD {
			return true
		}
	}
	return false
}

// redactPasswords replaces the string literal after each PASSWORD keyword
// with '…' (CREATE ROLE … PASSWORD 'secret', ALTER USER … ENCRYPTED
// PASSWORD '…'); text the lexer cannot read is cut after the keyword.
func redactPasswords(q string) string {
	if !containsFold(q, "password") {
		return q
	}
	res, err := pg_query.Scan(q)
	if err != nil {
		i := indexFold(q, "password")
		return q[:i+len("password")] + " …"
	}
	var b strings.Builder
	last := 0
	toks := res.Tokens
	for i, t := range toks {
		if t.Token != pg_query.Token_PASSWORD || i+1 >= len(toks) {
			continue
		}
		next := toks[i+1]
		if next.Token != pg_query.Token_SCONST && next.Token != pg_query.Token_USCONST {
			continue
		}
		b.WriteString(q[last:int(next.Start)])
		b.WriteString("'…'")
		last = int(next.End)
	}
	if last == 0 {
		return q
	}
	b.WriteString(q[last:])
	return b.String()
}

func containsFold(s, sub string) bool { return indexFold(s, sub) >= 0 }

// indexFold is strings.Index ignoring ASCII case.
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

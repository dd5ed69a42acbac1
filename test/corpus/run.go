package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// sessionSetup is what each side's session runs first: pg_regress's zone
// (PST8PDT) with PostgreSQL's default DateStyle (logdb prints dates in ISO
// only, README Differences), the statement timeout, and SERIALIZABLE on
// PostgreSQL because logdb's transactions always are.
var sessionSetup = []string{
	"SET TimeZone = 'PST8PDT'",
	"SET DateStyle = 'ISO, MDY'",
	"SET client_min_messages = warning",
}

// outcome is what one side answered to one statement.
type outcome struct {
	Err     string   // SQLSTATE, "" on success
	Msg     string   // the error's message
	Tag     string   // command tag(s)
	Columns []string // column names
	Rows    []string // each row's values as text, tab-separated, NULL as \N
	Lost    string   // the connection was lost or the statement hung: why
}

// side is one database as the run talks to it.
type side struct {
	name    string
	connect func(ctx context.Context) (*pgconn.PgConn, error)
	conn    *pgconn.PgConn
	timeout time.Duration
	// extra settings (statement_timeout and, on PostgreSQL, the isolation level)
	setup []string
}

func (s *side) open(ctx context.Context) error {
	if s.conn != nil {
		s.conn.Close(ctx)
		s.conn = nil
	}
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	for _, q := range append(slices.Clone(sessionSetup), s.setup...) {
		c.Exec(ctx, q).ReadAll() // a setting a side refuses is part of what is measured
	}
	s.conn = c
	return nil
}

var (
	copyFromFile = regexp.MustCompile(`(?is)^\s*copy\s+(.+?)\s+from\s+'([^']+)'(.*)$`)
	copyToStdout = regexp.MustCompile(`(?is)^\s*copy\b.*\bto\s+stdout\b`)
)

// run sends one statement and reads its outcome. A server-side
// COPY … FROM '<file>' is sent as COPY … FROM STDIN with the file's
// contents, on both sides alike.
func (s *side) run(st step, sql string) outcome {
	if s.conn == nil || s.conn.IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := s.open(ctx)
		cancel()
		if err != nil {
			return outcome{Lost: "reconnect: " + err.Error()}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	var o outcome
	data, isCopyIn := st.CopyData, copyFromStdin.MatchString(sql)
	if m := copyFromFile.FindStringSubmatch(sql); m != nil && !isCopyIn {
		b, err := os.ReadFile(m[2])
		if err == nil {
			sql, data, isCopyIn = "COPY "+m[1]+" FROM STDIN"+m[3], b, true
		}
	}
	switch {
	case isCopyIn:
		tag, err := s.conn.CopyFrom(ctx, bytes.NewReader(data), sql)
		o.Tag = tag.String()
		o.setErr(err)
	case copyToStdout.MatchString(sql):
		var out bytes.Buffer
		tag, err := s.conn.CopyTo(ctx, &out, sql)
		o.Tag = tag.String()
		o.Rows = strings.Split(out.String(), "\n")
		o.setErr(err)
	default:
		results, err := s.conn.Exec(ctx, sql).ReadAll()
		for _, r := range results {
			if r.Err != nil {
				err = r.Err
				break
			}
			o.Tag += r.CommandTag.String() + ";"
			for _, f := range r.FieldDescriptions {
				o.Columns = append(o.Columns, f.Name)
			}
			for _, row := range r.Rows {
				vals := make([]string, len(row))
				for i, v := range row {
					if v == nil {
						vals[i] = `\N`
					} else {
						vals[i] = string(v)
					}
				}
				o.Rows = append(o.Rows, strings.Join(vals, "\t"))
			}
		}
		o.setErr(err)
	}
	if o.Err == "" && o.Msg != "" || ctx.Err() != nil {
		o.Lost = o.Msg
		if ctx.Err() != nil {
			o.Lost = fmt.Sprintf("no answer in %s", s.timeout)
		}
	}
	return o
}

// setErr records err's SQLSTATE and message; an error without one (the
// connection broke, the context ended) leaves Err empty and Msg set.
func (o *outcome) setErr(err error) {
	if err == nil {
		return
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		o.Err, o.Msg = pgErr.Code, pgErr.Message
		o.Rows, o.Tag = nil, ""
		return
	}
	o.Msg = err.Error()
}

// gexecStatements are the values of a \gexec query's result, each a
// statement to run, in order.
func (o outcome) gexecStatements() []string {
	var out []string
	for _, r := range o.Rows {
		for _, v := range strings.Split(r, "\t") {
			if v != `\N` {
				out = append(out, v)
			}
		}
	}
	return out
}

// compare classifies a pair of outcomes: "" when they match, else the
// cause, as "logdb error <SQLSTATE> <first words>" (logdb refused what
// PostgreSQL ran or refused it with another SQLSTATE) or a kind of
// different result.
func compare(pg, ldb outcome) (cause string, logdbErr bool) {
	switch {
	case ldb.Lost != "":
		return "logdb lost: " + firstWords(ldb.Lost, 6), true
	case pg.Err != "" && ldb.Err == pg.Err:
		return "", false
	case ldb.Err != "":
		return "logdb error " + ldb.Err + " " + firstWords(ldb.Msg, 6), true
	case pg.Err != "":
		return "logdb ran what PostgreSQL refused with " + pg.Err, false
	case slices.Equal(pg.Rows, ldb.Rows):
		if pg.Tag != ldb.Tag {
			return "different command tag", false
		}
		return "", false
	case len(pg.Rows) == len(ldb.Rows) && sameMultiset(pg.Rows, ldb.Rows):
		return "same rows, another order", false
	case len(pg.Rows) != len(ldb.Rows):
		return "different number of rows", false
	default:
		return "different values", false
	}
}

func sameMultiset(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

var (
	quoted = regexp.MustCompile(`"[^"]*"`)
	number = regexp.MustCompile(`\b\d+\b`)
)

// firstWords is the first n words of an error message, names in double
// quotes and numbers replaced, so that one cause counts once.
// A missing type keeps its name: each is a thing to build.
func firstWords(msg string, n int) string {
	if !strings.HasPrefix(msg, `type "`) {
		msg = quoted.ReplaceAllString(msg, `"…"`)
	}
	msg = number.ReplaceAllString(msg, "N")
	w := strings.Fields(msg)
	if len(w) > n {
		w = w[:n]
	}
	return strings.Join(w, " ")
}

// connectFunc connects to url with a timeout.
func connectFunc(url string) func(ctx context.Context) (*pgconn.PgConn, error) {
	return func(ctx context.Context) (*pgconn.PgConn, error) {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, err
		}
		return pgconn.ConnectConfig(ctx, &cfg.Config)
	}
}

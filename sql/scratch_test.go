package sql

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestScratchCaptures(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	for _, f := range strings.Split(os.Getenv("SCRATCH"), ",") {
		e := mustEngine(t)
		s := mustSession(t, e)
		mustExec(t, s, `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE, price numeric(10,2) CHECK (price > 0), qty int DEFAULT 0)`)
		qs := clientQueries(t, "/work/shared/reference/clients/"+f)
		bad := 0
		for _, q := range qs {
			r := &recorder{}
			if err := s.SimpleQuery(ctxT(t), q, r); err != nil {
				bad++
				t.Logf("ERR %v\n   %.300s", err, strings.ReplaceAll(q, "\n", " "))
				s.SimpleQuery(ctxT(t), "ROLLBACK", r)
			}
		}
		t.Logf("%s: %d/%d failed", f, bad, len(qs))
	}
}

func TestScratchGorm(t *testing.T) {
	path := os.Getenv("GORMFILE")
	if path == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(path)
	e := mustEngine(t)
	s := mustSession(t, e)
	ctx := ctxT(t)
	var cur string
	var stmtName string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "[simple Query] "):
			q := strings.TrimPrefix(line, "[simple Query] ")
			r := &recorder{}
			if err := s.SimpleQuery(ctx, q, r); err != nil {
				t.Logf("ERR %v\n   %.200s", err, q)
			}
		case strings.HasPrefix(line, "[Parse "):
			i := strings.Index(line, "] ")
			stmtName = line[7:i]
			cur = line[i+2:]
			s.ClosePrepared(stmtName)
			if _, err := s.Prepare(ctx, stmtName, cur, nil); err != nil {
				t.Logf("ERR prepare %v\n   %.200s", err, cur)
				stmtName = ""
			}
		case strings.HasPrefix(line, "    -> ParameterDescription "):
			if stmtName == "" {
				continue
			}
			p, _ := s.Prepared(stmtName)
			want := strings.TrimPrefix(line, "    -> ParameterDescription ")
			got := strings.ReplaceAll(fmt.Sprint(p.ParamTypes), " ", ", ")
			if got != want {
				t.Logf("PARAMS got %s want %s\n   %.200s", got, want, cur)
			}
		case strings.HasPrefix(line, "    Bind params="):
			if stmtName == "" {
				continue
			}
			ps := line[len("    Bind params=["):strings.Index(line, "] paramFormats")]
			var params [][]byte
			for _, x := range strings.Split(ps, ", ") {
				if x == "" {
					continue
				}
				if x == "None" {
					params = append(params, nil)
					continue
				}
				params = append(params, []byte(strings.Trim(x, "'")))
			}
			if _, err := s.Bind(ctx, "", stmtName, nil, params, nil); err != nil {
				t.Logf("ERR bind %v\n   %.200s", err, cur)
				s.Sync(ctx)
				continue
			}
			r := &recorder{}
			if _, err := s.Execute(ctx, "", 0, r); err != nil {
				t.Logf("ERR exec %v\n   %.200s", err, cur)
			}
			s.Sync(ctx)
		}
	}
}

func TestScratchLoadTypes(t *testing.T) {
	b, err := os.ReadFile("/tmp/loadtypes.sql")
	if err != nil || os.Getenv("LOADTYPES") == "" {
		t.Skip()
	}
	e := mustEngine(t)
	s := mustSession(t, e)
	q := strings.ReplaceAll(string(b), "$1::text[]", "ARRAY['int4', '_int4', 'public.foo']::text[]")
	t.Log(query(t, s, q))
	for _, q := range []string{"select 'int4'::text::regtype::oid", "select typtype::text, typbasetype from pg_type where oid=23",
		"select typelem, typdelim::text from pg_type where oid=1007", "select attname, atttypid from pg_attribute where attrelid=1259 and not attisdropped and attnum > 0 order by attnum limit 3"} {
		t.Log(query(t, s, q))
	}
}

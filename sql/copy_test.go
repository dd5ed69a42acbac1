package sql

import (
	"io"
	"strings"
	"testing"
)

type copyRecorder struct {
	recorder
	in     []string
	out    []byte
	format int16
}

func (c *copyRecorder) CopyIn(format int16, cols []int16) error { c.format = format; return nil }
func (c *copyRecorder) ReadCopyData() ([]byte, error) {
	if len(c.in) == 0 {
		return nil, io.EOF
	}
	d := c.in[0]
	c.in = c.in[1:]
	return []byte(d), nil
}
func (c *copyRecorder) CopyOut(format int16, cols []int16) error { c.format = format; return nil }
func (c *copyRecorder) CopyData(b []byte) error                  { c.out = append(c.out, b...); return nil }
func (c *copyRecorder) CopyDone() error                          { return nil }

func TestCopy(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE acc (aid int PRIMARY KEY, bid int, abalance int DEFAULT 0, filler char(10))")
	w := &copyRecorder{in: []string{"1\t1\t0\t\n", "2\t1\t5\tx\n3\t", "2\t\\N\t\\N\n", "\\.\n"}}
	if err := s.SimpleQuery(ctxT(t), "copy acc from stdin", w); err != nil {
		t.Fatal(err)
	}
	if w.tags[0] != "COPY 3" {
		t.Fatal(w.tags)
	}
	expectRows(t, s, "SELECT aid, bid, abalance, filler FROM acc ORDER BY aid", "1|1|0|          \n2|1|5|x         \n3|2|NULL|NULL")
	w = &copyRecorder{in: []string{"7,8\n"}}
	if err := s.SimpleQuery(ctxT(t), "COPY acc (aid, bid) FROM STDIN WITH (FORMAT csv)", w); err != nil {
		t.Fatal(err)
	}
	expectRows(t, s, "SELECT abalance FROM acc WHERE aid = 7", "0")
	w = &copyRecorder{}
	if err := s.SimpleQuery(ctxT(t), "COPY (SELECT aid, filler FROM acc ORDER BY aid) TO STDOUT", w); err != nil {
		t.Fatal(err)
	}
	if got := string(w.out); got != "1\t          \n2\tx         \n3\t\\N\n7\t\\N\n" {
		t.Fatalf("%q", got)
	}
	w = &copyRecorder{}
	if err := s.SimpleQuery(ctxT(t), "COPY acc TO STDOUT WITH (FORMAT binary)", w); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s, "CREATE TABLE acc2 (aid int PRIMARY KEY, bid int, abalance int DEFAULT 0, filler char(10))")
	w2 := &copyRecorder{in: []string{string(w.out)}}
	if err := s.SimpleQuery(ctxT(t), "COPY acc2 FROM STDIN (FORMAT binary)", w2); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w2.tags[0], "COPY 4") {
		t.Fatal(w2.tags)
	}
	expectRows(t, s, "SELECT count(*) FROM acc2 a JOIN acc b USING (aid) WHERE a.filler IS NOT DISTINCT FROM b.filler", "4")
}

package sql

import (
	"encoding/binary"
	"testing"

	"logdb/sql/types"
)

func TestExtendedProtocol(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	ctx := ctxT(t)
	mustExec(t, s, "CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, price numeric(10,2), qty int)")
	p, err := s.Prepare(ctx, "ins", "INSERT INTO items (name, price, qty) VALUES ($1, $2, $3) RETURNING id", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ParamTypes) != 3 || p.ParamTypes[0] != types.TextOID || p.ParamTypes[1] != types.NumericOID || p.ParamTypes[2] != types.Int4OID {
		t.Fatalf("param types %v", p.ParamTypes)
	}
	if len(p.Columns) != 1 || p.Columns[0].TypeOID != types.Int8OID {
		t.Fatalf("cols %+v", p.Columns)
	}
	for i := 0; i < 3; i++ {
		qty := make([]byte, 4)
		binary.BigEndian.PutUint32(qty, uint32(i+10))
		if _, err := s.Bind(ctx, "", "ins", []int16{0, 0, 1}, [][]byte{[]byte("w"), []byte("1.50"), qty}, []int16{1}); err != nil {
			t.Fatal(err)
		}
		r := &recorder{}
		if _, err := s.Execute(ctx, "", 0, r); err != nil {
			t.Fatal(err)
		}
		if len(r.rows) != 1 || len(r.rows[0][0]) != 8 || r.tags[0] != "INSERT 0 1" {
			t.Fatalf("%+v", r)
		}
		if err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	expectRows(t, s, "SELECT id, name, price, qty FROM items ORDER BY id", "1|w|1.50|10\n2|w|1.50|11\n3|w|1.50|12")

	p, err = s.Prepare(ctx, "sel", "SELECT name, qty FROM items WHERE id = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.ParamTypes[0] != types.Int8OID {
		t.Fatalf("param %v", p.ParamTypes)
	}
	if _, err := s.Bind(ctx, "", "sel", nil, [][]byte{[]byte("2")}, nil); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	if _, err := s.Execute(ctx, "", 0, r); err != nil {
		t.Fatal(err)
	}
	if len(r.rows) != 1 || r.rows[0][0] != "w" || r.rows[0][1] != "11" || r.tags[0] != "SELECT 1" {
		t.Fatalf("%+v", r)
	}
	s.Sync(ctx)

	// portal suspension
	if _, err := s.Prepare(ctx, "all", "SELECT id FROM items ORDER BY id", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bind(ctx, "c1", "all", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	r = &recorder{}
	susp, err := s.Execute(ctx, "c1", 2, r)
	if err != nil || !susp || len(r.rows) != 2 {
		t.Fatalf("%v %v %+v", susp, err, r)
	}
	r = &recorder{}
	susp, err = s.Execute(ctx, "c1", 2, r)
	if err != nil || susp || len(r.rows) != 1 || r.tags[0] != "SELECT 1" {
		t.Fatalf("%v %v %+v", susp, err, r)
	}
	s.Sync(ctx)

	// bare $1 is text; select $1::int8 + $2
	p, err = s.Prepare(ctx, "", "select $1::int8 + $2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.ParamTypes[0] != types.Int8OID || p.ParamTypes[1] != types.Int8OID {
		t.Fatalf("%v", p.ParamTypes)
	}
	p, err = s.Prepare(ctx, "", "select $1", nil)
	if err != nil || p.ParamTypes[0] != types.TextOID {
		t.Fatalf("%v %v", p, err)
	}
	// LIMIT $1 is int8
	p, err = s.Prepare(ctx, "", "select * from items where id = $1 limit $2", nil)
	if err != nil || p.ParamTypes[1] != types.Int8OID {
		t.Fatalf("%v %v", p, err)
	}
	if _, err := s.Prepare(ctx, "", "select * from nosuch where x = $1", nil); err == nil {
		t.Fatal("expected 42P01")
	}
	p, err = s.Prepare(ctx, "", "select name from items where name = ANY($1::text[])", nil)
	if err != nil || p.ParamTypes[0] != types.TextArrayOID {
		t.Fatalf("%v %v", p, err)
	}
}

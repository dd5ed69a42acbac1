package pgwire

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Wire scripts that run against pgwire (with the fake session) and, when
// PGWIRE_POSTGRES_ADDR names a PostgreSQL 15 server (trust auth, user
// "logdb", database "postgres"), against it too, comparing transcripts.
// Transcripts are normalized to what the protocol decides — message order,
// SQLSTATEs, tags, transaction status, text values — leaving out what the
// SQL layer decides (column names and types, message texts).
//
//	PGWIRE_POSTGRES_ADDR=127.0.0.1:5432 go test ./pgwire -run TestScriptsMatchPostgres [-update]
//
// The transcripts PostgreSQL 15.18 gave are recorded in testdata, so
// TestScripts checks pgwire against them without a server.

type wireScript struct {
	name string
	run  func(t *testing.T, addr string) []string
}

var wireScripts = []wireScript{
	{"simple queries and transaction status", func(t *testing.T, addr string) []string {
		c := normalizedClient(t, addr)
		var out []string
		for _, q := range []string{"select 1; select null", "-- ping", ";", "begin", "select * from nosuch", "select 1", "commit"} {
			c.send(&pgproto3.Query{String: q})
			out = append(out, c.readBatch()...)
		}
		return out
	}},
	{"extended error skips to Sync", func(t *testing.T, addr string) []string {
		c := normalizedClient(t, addr)
		c.send(
			&pgproto3.Parse{Name: "s1", Query: "select $1::int8"},
			&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("1")}},
			&pgproto3.Execute{},
			&pgproto3.Bind{PreparedStatement: "nosuch"},
			&pgproto3.Execute{},
			&pgproto3.Parse{Name: "s2", Query: "select 1"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s2"},
			&pgproto3.Query{String: "select 1"},
			&pgproto3.Flush{},
			&pgproto3.Close{ObjectType: 'S', Name: "s1"},
			&pgproto3.Sync{},
		)
		out := c.readBatch()
		c.send(&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{int8Param(7)}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Parse{Query: "garbage"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
		return append(out, c.readBatch()...)
	}},
	{"describe, close and missing objects", func(t *testing.T, addr string) []string {
		c := normalizedClient(t, addr)
		c.send(&pgproto3.Parse{Name: "s1", Query: "select $1::int8"}, &pgproto3.Describe{ObjectType: 'S', Name: "s1"},
			&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("5")}, ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
		out := c.readBatch()
		c.send(&pgproto3.Describe{ObjectType: 'S', Name: "nosuch"}, &pgproto3.Sync{})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Describe{ObjectType: 'P', Name: "nosuch"}, &pgproto3.Sync{})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Close{ObjectType: 'S', Name: "nosuch"}, &pgproto3.Close{ObjectType: 'P', Name: "nosuch"}, &pgproto3.Sync{})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Parse{Query: "set application_name = 'x'"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{}, &pgproto3.Sync{})
		return append(out, c.readBatch()...)
	}},
	{"portal suspended", func(t *testing.T, addr string) []string {
		c := normalizedClient(t, addr)
		c.send(&pgproto3.Parse{Query: "select generate_series(1, 5) as n"}, &pgproto3.Bind{DestinationPortal: "C_1"},
			&pgproto3.Describe{ObjectType: 'P', Name: "C_1"}, &pgproto3.Flush{})
		out := c.readN(3)
		for _, n := range []int{3, 3, 2} {
			c.send(&pgproto3.Execute{Portal: "C_1", MaxRows: 2}, &pgproto3.Flush{})
			out = append(out, c.readN(n)...)
		}
		c.send(&pgproto3.Close{ObjectType: 'P', Name: "C_1"}, &pgproto3.Sync{})
		return append(out, c.readBatch()...)
	}},
	{"copy", func(t *testing.T, addr string) []string {
		c := normalizedClient(t, addr)
		c.send(&pgproto3.Query{String: "create temp table t (a text)"})
		out := c.readBatch()
		// Sync and Flush inside the stream are ignored.
		c.send(&pgproto3.Query{String: "copy t from stdin"}, &pgproto3.CopyData{Data: []byte("a\nb\n")},
			&pgproto3.Flush{}, &pgproto3.CopyData{Data: []byte("c\n")}, &pgproto3.Sync{}, &pgproto3.CopyDone{})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Query{String: "copy t from stdin"}, &pgproto3.CopyData{Data: []byte("x\n")}, &pgproto3.CopyFail{Message: "no"})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Query{String: "copy t to stdout"})
		out = append(out, c.readBatch()...)
		c.send(&pgproto3.Parse{Query: "copy t from stdin"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.CopyData{Data: []byte("1\n2\n")}, &pgproto3.CopyDone{}, &pgproto3.Sync{})
		out = append(out, c.readBatch()...)
		// Another message inside the stream: ERROR, then FATAL.
		c.send(&pgproto3.Query{String: "copy t from stdin"}, &pgproto3.Parse{}, &pgproto3.CopyData{Data: []byte("x\n")},
			&pgproto3.CopyDone{}, &pgproto3.Query{String: "select 1"})
		return append(out, c.readToEOF()...)
	}},
	{"stray copy messages", func(t *testing.T, addr string) []string {
		c := normalizedClient(t, addr)
		c.send(&pgproto3.CopyData{Data: []byte("1\n")}, &pgproto3.CopyDone{}, &pgproto3.CopyFail{Message: "x"},
			&pgproto3.Query{String: "select 1"})
		return c.readBatch()
	}},
	{"unknown message type", func(t *testing.T, addr string) []string {
		c := normalizedClient(t, addr)
		c.nc.Write([]byte{'Z', 0, 0, 0, 4})
		return c.readToEOF()
	}},
	{"SSLRequest then startup", func(t *testing.T, addr string) []string {
		nc := mustDial(t, addr)
		nc.Write(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), codeSSLRequest))
		var b [1]byte
		nc.Read(b[:])
		c := newClient(t, nc)
		c.normalize = true
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
			Parameters: map[string]string{"user": "logdb", "database": "postgres"}})
		got := c.readBatch()
		return []string{fmt.Sprintf("%q", b[0]), got[0], got[len(got)-2], got[len(got)-1]}
	}},
	{"startup rejections", func(t *testing.T, addr string) []string {
		var out []string
		for _, pkt := range [][]byte{
			encodeStartup(pgproto3.ProtocolVersion30, map[string]string{"database": "postgres"}),
			encodeStartup(pgproto3.ProtocolVersion30, map[string]string{"user": "logdb", "database": "nosuch"}),
			encodeStartup(4<<16, map[string]string{"user": "logdb"}),
			{0, 0, 0, 3},
		} {
			nc := mustDial(t, addr)
			nc.Write(pkt)
			c := newClient(t, nc)
			c.normalize = true
			out = append(out, strings.Join(c.readToEOF(), "; "))
		}
		// A 2.0 client gets the error in the old format.
		nc := mustDial(t, addr)
		nc.Write(encodeStartup(2<<16, map[string]string{"user": "logdb"}))
		raw, _ := io.ReadAll(nc)
		return append(out, fmt.Sprintf("%q", raw))
	}},
}

func normalizedClient(t *testing.T, addr string) *client {
	c, _ := mustConnect(t, addr, map[string]string{"user": "logdb", "database": "postgres"})
	c.normalize = true
	return c
}

var updateGolden = flag.Bool("update", false, "with PGWIRE_POSTGRES_ADDR: rewrite "+goldenPath+" from PostgreSQL")

const goldenPath = "testdata/wire_scripts.txt"

// TestScripts checks pgwire's transcripts against the ones recorded from
// PostgreSQL 15 in testdata.
func TestScripts(t *testing.T) {
	golden := readGolden(t)
	ts := mustStartServer(t, nil)
	for _, s := range wireScripts {
		t.Run(s.name, func(t *testing.T) {
			want, ok := golden[s.name]
			if !ok {
				t.Fatalf("no recorded transcript in %s; record one with -update", goldenPath)
			}
			expect(t, s.run(t, ts.addr), want...)
		})
	}
}

// TestScriptsMatchPostgres runs the scripts against a live PostgreSQL and
// pgwire side by side; -update records PostgreSQL's transcripts.
func TestScriptsMatchPostgres(t *testing.T) {
	pgAddr := os.Getenv("PGWIRE_POSTGRES_ADDR")
	if pgAddr == "" {
		t.Skip("PGWIRE_POSTGRES_ADDR not set")
	}
	ts := mustStartServer(t, nil)
	var record strings.Builder
	for _, s := range wireScripts {
		t.Run(s.name, func(t *testing.T) {
			want := s.run(t, pgAddr)
			fmt.Fprintf(&record, "=== %s\n%s\n", s.name, strings.Join(want, "\n"))
			got := s.run(t, ts.addr)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("pgwire and PostgreSQL differ\npgwire:\n\t%s\npostgres:\n\t%s",
					strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		})
	}
	if *updateGolden {
		header := "# Normalized wire transcripts recorded from PostgreSQL 15 by\n# PGWIRE_POSTGRES_ADDR=... go test ./pgwire -run TestScriptsMatchPostgres -update\n"
		if err := os.WriteFile(goldenPath, []byte(header+record.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var name string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "=== "):
			name = line[4:]
			out[name] = []string{}
		default:
			out[name] = append(out[name], line)
		}
	}
	return out
}

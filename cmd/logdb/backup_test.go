package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"
)

// testBackup builds a backup stream around data as writeBackup frames it.
func testBackup(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	h := sha256.New()
	bw := &backupWriter{w: &multi{&buf, h}}
	bw.w.Write([]byte(backupMagic))
	bw.Write(data)
	if err := bw.flush(); err != nil {
		t.Fatal(err)
	}
	mb, _ := json.Marshal(backupMeta{Format: 1, Index: 42, Term: 3, LSN: "0/2AFFFFFF"})
	writeFrame(bw.w, 'M', mb)
	writeFrame(&buf, 'E', h.Sum(nil))
	return buf.Bytes()
}

type multi struct {
	a, b interface{ Write([]byte) (int, error) }
}

func (m *multi) Write(p []byte) (int, error) {
	m.a.Write(p)
	return m.b.Write(p)
}

func TestReadBackup(t *testing.T) {
	data := bytes.Repeat([]byte("state "), 400_000) // more than one frame
	b := testBackup(t, data)
	var got bytes.Buffer
	meta, err := readBackup(bytes.NewReader(b), &got)
	if err != nil || meta.Index != 42 || meta.Term != 3 || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("readBackup: %+v, %v, %d bytes of data (want %d)", meta, err, got.Len(), len(data))
	}
	for _, damage := range []struct {
		name string
		b    []byte
	}{
		{"truncated", b[:len(b)-10]},
		{"no end frame", b[:len(b)-37]},
		{"flipped byte", func() []byte { c := bytes.Clone(b); c[100_000] ^= 1; return c }()},
		{"trailing bytes", append(bytes.Clone(b), 0)},
		{"not a backup", []byte("PGDMP and so on")},
		{"empty", nil},
	} {
		if _, err := readBackup(bytes.NewReader(damage.b), nil); !errors.Is(err, errBadBackup) {
			t.Errorf("%s: %v, want errBadBackup", damage.name, err)
		}
	}
}

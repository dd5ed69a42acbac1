package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkStateFile looks at a bbolt file's meta pages without mapping it: a
// file cut short (a disk that filled, a copy that stopped, an operator's
// truncate) makes bbolt fault with SIGBUS when it touches a page past the
// end, killing the process with no hint. It returns why the file cannot be
// trusted, or "" when its newest valid meta page fits the file. An empty
// file is fine (bbolt initializes it).
//
// bbolt's layout (v1.3 to v1.5): pages 0 and 1 are metas, each a 16-byte
// page header then magic u32, version u32, pageSize u32, flags u32, root
// (pgid u64, sequence u64), freelist u64, pgid u64 (the high-water mark:
// pages in use), txid u64 and an FNV-1a 64 checksum of the bytes before it.
func checkStateFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := st.Size()
	if size == 0 {
		return "", nil
	}
	type meta struct {
		pageSize    uint32
		pgid, txid  uint64
		valid       bool
		description string
	}
	read := func(off int64) meta {
		b := make([]byte, 16+64)
		if _, err := f.ReadAt(b, off); err != nil {
			if errors.Is(err, io.EOF) {
				return meta{description: fmt.Sprintf("no meta page at offset %d", off)}
			}
			return meta{description: err.Error()}
		}
		m := b[16:]
		le := binary.LittleEndian
		if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
			return meta{description: fmt.Sprintf("no bbolt meta page at offset %d", off)}
		}
		h := fnv.New64a()
		h.Write(m[:56])
		if h.Sum64() != le.Uint64(m[56:]) {
			return meta{description: fmt.Sprintf("meta page at offset %d fails its checksum", off)}
		}
		return meta{pageSize: le.Uint32(m[8:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:]), valid: true}
	}
	m0 := read(0)
	pageSize := int64(os.Getpagesize())
	if m0.valid {
		pageSize = int64(m0.pageSize)
	}
	if pageSize < 512 || pageSize > 1<<20 {
		return fmt.Sprintf("meta page says its pages are %d bytes", pageSize), nil
	}
	m1 := read(pageSize)
	best := m0
	if !m0.valid || (m1.valid && m1.txid > m0.txid) {
		best = m1
	}
	if !best.valid {
		return fmt.Sprintf("no valid meta page (%s; %s)", m0.description, m1.description), nil
	}
	if need := int64(best.pgid) * pageSize; need > size {
		return fmt.Sprintf("truncated: %d bytes, but its pages reach %d", size, need), nil
	}
	return "", nil
}

const (
	boltMagic   = 0xED0CDAED
	boltVersion = 2
)

package kv

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// MaxKeySize is the longest key kv stores (bbolt's limit). Keys must also be
// non-empty.
const MaxKeySize = bolt.MaxKeySize

// PrefixEnd returns the smallest key greater than every key that starts with
// prefix, for use as a Scan end. It returns nil (the end of the space) when
// no such key exists (prefix empty or all 0xff).
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xff {
			end := make([]byte, i+1)
			copy(end, prefix)
			end[i]++
			return end
		}
	}
	return nil
}

// keySuccessor returns the smallest key greater than k (k followed by 0x00).
func keySuccessor(k []byte) []byte {
	s := make([]byte, len(k)+1)
	copy(s, k)
	return s
}

func validKey(k []byte) bool { return len(k) > 0 && len(k) <= MaxKeySize }

// On-disk layout. Each Space is one top-level bucket named by its 4-byte
// big-endian id. The meta bucket's name is 5 bytes long so it can never
// collide with a space.
var (
	metaBucket = []byte("\x00meta")
	// metaApplied holds the u64 applied index.
	metaApplied = []byte("applied")
	// metaDropPrefix + 4-byte space holds the u64 index of the space's last drop.
	metaDropPrefix = "drop/"
)

func spaceBucketName(s Space) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(s))
	return b[:]
}

func dropKey(s Space) []byte {
	k := make([]byte, len(metaDropPrefix)+4)
	copy(k, metaDropPrefix)
	binary.BigEndian.PutUint32(k[len(metaDropPrefix):], uint32(s))
	return k
}

// Stored values are [u64 big-endian version][u8 flags][payload]: version is
// the index of the log entry that last wrote the key. A delete leaves a
// tombstone (flagTombstone, no payload) so OCC validation still sees that the
// key changed; reads skip tombstones.
const (
	valueHeaderSize = 9
	flagTombstone   = 1
)

// decodeStored splits a stored value. ok is false for a malformed value,
// which kv never writes.
func decodeStored(v []byte) (version uint64, tombstone bool, payload []byte, ok bool) {
	if len(v) < valueHeaderSize {
		return 0, false, nil, false
	}
	return binary.BigEndian.Uint64(v), v[8]&flagTombstone != 0, v[valueHeaderSize:], true
}

func storedVersion(v []byte) uint64 {
	if len(v) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func u64Bytes(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

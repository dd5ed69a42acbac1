package locks

import "encoding/binary"

// Listed is one row of the lock table as pg_locks shows it: an owner's
// hold of a lock in a mode (Granted), or its queued request.
type Listed struct {
	Tag     []byte
	Owner   Owner
	Mode    Mode
	Granted bool
}

// Scanner reads the applied lock table (kv.Store.ScanLocks).
type Scanner interface {
	ScanLocks(prefix []byte, fn func(key, value []byte) bool) error
}

// List calls fn for each hold and each queued request of the applied
// table, lock by lock in tag order. Listed.Tag is fn's to keep.
func List(st Scanner, fn func(Listed)) error {
	return st.ScanLocks([]byte{keyLock}, func(k, v []byte) bool {
		tag := append([]byte(nil), k[1:]...)
		r := decodeRecord(v)
		for _, h := range r.holders {
			fn(Listed{Tag: tag, Owner: h.owner, Mode: h.mode, Granted: true})
		}
		for _, w := range r.waiters {
			fn(Listed{Tag: tag, Owner: w.owner, Mode: w.mode})
		}
		return true
	})
}

// NodeIncarnation returns node's registered incarnation in the applied
// table, 0 if it has none.
func NodeIncarnation(st Scanner, node uint64) (uint64, error) {
	var inc uint64
	key := nodeKey(node)
	err := st.ScanLocks(key, func(k, v []byte) bool {
		if len(k) == len(key) && len(v) == 8 {
			inc = binary.BigEndian.Uint64(v)
		}
		return false
	})
	return inc, err
}

// Nodes returns the nodes with a registered incarnation, by id.
func Nodes(st Scanner) (map[uint64]uint64, error) {
	out := map[uint64]uint64{}
	err := st.ScanLocks([]byte{keyNode}, func(k, v []byte) bool {
		if len(k) == 9 && len(v) == 8 {
			out[binary.BigEndian.Uint64(k[1:])] = binary.BigEndian.Uint64(v)
		}
		return true
	})
	return out, err
}

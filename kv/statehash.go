package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/cespare/xxhash/v2"
	bolt "go.etcd.io/bbolt"
)

// State hashes: how replicas that diverged are found.
//
// Every replica applies the same entries to the same state, so at any
// index the state is the same everywhere, unless a bug, a damaged file or
// a bad disk made it otherwise. The store keeps a hash of its state that
// costs one lookup per write to maintain: the sum (mod 2^64) over every
// live key of every space of h(space, key, stored value), the stored value
// including the version. A write subtracts the old pair's h and adds the
// new one's; a delete subtracts it (tombstones are not counted, so their
// collection changes nothing); a drop subtracts the space's whole sum,
// which is why the sums are kept per space, in the meta bucket, written
// in the same bbolt transaction as the batch (so a snapshot, a checkpoint
// and a crash keep them consistent with the rows). A store without them
// (made by an older build) has them computed at open.
//
// At every index that is a multiple of Options.HashInterval (a hash
// point; the same indexes on every replica) the store notes the total and
// calls Options.OnHashPoint, which cmd/logdb uses to propose a
// KindStateHash entry carrying (node, index, hash) through the log. Every
// replica applies every report: it compares the reported hash with its own
// at that index (it applied the index before the report, which comes
// later in the log) and keeps the newest report of each node (StateHashes,
// the logdb_cluster view). A mismatch is logged as an error on every
// node. A replica whose hash differs from a hash that a majority of the
// reports at that index agree on (Options.Voters) has diverged: applying
// the report fails with ErrDiverged, which stops the node (raftlog stops on
// an entry it cannot apply) rather than serve a state the group does not
// have. Rebuild it from the others (README: "A node whose state
// diverged").

// ErrDiverged: this replica's state differs from the one the majority of
// the group reported for the same index.
var ErrDiverged = fmt.Errorf("kv: state diverged from the group")

// metaHashPrefix + 4-byte space holds the space's u64 hash sum and its
// u64 count of live keys (pg_stat_user_tables.n_live_tup is the count of
// a table's row space); metaHashed marks a store whose sums are
// maintained.
var (
	metaHashPrefix = []byte("hash/")
	metaHashed     = []byte("hashed")
)

// hashPoints is how many hash points (and the reports about them) a store
// remembers: a report about an older point is only kept, not compared.
const hashPoints = 64

// DefaultHashInterval is Options.HashInterval's default.
const DefaultHashInterval = 10000

// StateHash is a node's hash of its state at an index.
type StateHash struct {
	Node  uint64 // 0: this store's own
	Index uint64
	Hash  uint64
	// Match: whether this store's own hash at Index is the same (false
	// also when this store does not know its hash at Index: Known).
	Match, Known bool
}

// hashState is the store's state hash bookkeeping, under applyMu except
// where noted.
type hashState struct {
	sums  map[Space]uint64 // per space, as stored in meta
	total uint64
	// live counts each space's live keys (stored with its sum). Read by
	// LiveKeys under liveMu, written under applyMu and liveMu.
	liveMu sync.RWMutex
	live   map[Space]int64
	// points are the last hashPoints hash points, oldest first.
	points []StateHash
	// reports: per point index, per node, the hash reported.
	reports map[uint64]map[uint64]uint64

	mu     sync.Mutex           // guards latest
	latest map[uint64]StateHash // per node, its newest report (0: own point)
}

// pairHash is h(space, key, stored): xxhash64 over the three with their
// lengths (xxhash: already a dependency, through the Prometheus client,
// and several times faster than FNV on values of a few hundred bytes).
func pairHash(sp Space, key, stored []byte) uint64 {
	var d xxhash.Digest
	d.Reset()
	var hdr [12]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(sp))
	binary.BigEndian.PutUint32(hdr[4:8], uint32(len(key)))
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(stored)))
	d.Write(hdr[:])
	d.Write(key)
	d.Write(stored)
	return d.Sum64()
}

// isLive reports whether stored is a value (not absent, not a tombstone).
func isLive(stored []byte) bool {
	return len(stored) >= valueHeaderSize && stored[8]&flagTombstone == 0
}

// loadHashes reads the per-space sums from meta, computing and storing
// them when the store has none yet (older build). Inside openDB's Update.
func (s *Store) loadHashes(tx *bolt.Tx) error {
	meta := tx.Bucket(metaBucket)
	hs := &s.hash
	hs.sums, hs.total = make(map[Space]uint64), 0
	hs.points, hs.reports = nil, make(map[uint64]map[uint64]uint64)
	hs.mu.Lock()
	hs.latest = make(map[uint64]StateHash)
	hs.mu.Unlock()
	live := make(map[Space]int64)
	read := func() bool {
		c := meta.Cursor()
		for k, v := c.Seek(metaHashPrefix); k != nil && bytes.HasPrefix(k, metaHashPrefix); k, v = c.Next() {
			if len(k) != len(metaHashPrefix)+4 || len(v) != 16 {
				return false // an earlier format: computed again
			}
			sp := Space(binary.BigEndian.Uint32(k[len(metaHashPrefix):]))
			sum := binary.BigEndian.Uint64(v)
			hs.sums[sp] = sum
			hs.total += sum
			live[sp] = int64(binary.BigEndian.Uint64(v[8:]))
		}
		return true
	}
	if meta.Get(metaHashed) == nil || !read() {
		clear(hs.sums)
		clear(live)
		hs.total = 0
		err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if len(name) != 4 {
				return nil // internal buckets start with 0 and are longer
			}
			sp := Space(binary.BigEndian.Uint32(name))
			var sum uint64
			var n int64
			if err := b.ForEach(func(k, v []byte) error {
				if isLive(v) {
					sum += pairHash(sp, k, v)
					n++
				}
				return nil
			}); err != nil {
				return err
			}
			hs.sums[sp], live[sp] = sum, n
			hs.total += sum
			return meta.Put(hashKey(sp), hashValue(sum, n))
		})
		if err != nil {
			return err
		}
		if err := meta.Put(metaHashed, []byte{2}); err != nil {
			return err
		}
	}
	hs.liveMu.Lock()
	hs.live = live
	hs.liveMu.Unlock()
	return nil
}

func hashValue(sum uint64, live int64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, sum), uint64(live))
}

// LiveKeys is the number of live keys (not tombstones) in sp as of the
// applied index: a table's row count for its row space.
func (s *Store) LiveKeys(sp Space) int64 {
	s.hash.liveMu.RLock()
	defer s.hash.liveMu.RUnlock()
	return s.hash.live[sp]
}

func hashKey(sp Space) []byte {
	k := make([]byte, len(metaHashPrefix)+4)
	copy(k, metaHashPrefix)
	binary.BigEndian.PutUint32(k[len(metaHashPrefix):], uint32(sp))
	return k
}

// batchHash is one batch's changes to the sums, applied to the store's
// only once the batch committed.
type batchHash struct {
	sums    map[Space]uint64 // new sums of the spaces changed
	live    map[Space]int64  // and their new live key counts
	total   uint64
	points  []StateHash
	reports []StateHash // KindStateHash entries applied
}

// hashChange records that key of sp went from old to new (stored values;
// nil or a tombstone: absent).
func (a *applier) hashChange(sp Space, key, old, new []byte) {
	if !isLive(old) && !isLive(new) {
		return
	}
	sum, ok := a.hash.sums[sp]
	n := a.hash.live[sp]
	if !ok {
		sum, n = a.s.hash.sums[sp], a.s.hash.live[sp]
	}
	if isLive(old) {
		h := pairHash(sp, key, old)
		sum -= h
		a.hash.total -= h
		n--
	}
	if isLive(new) {
		h := pairHash(sp, key, new)
		sum += h
		a.hash.total += h
		n++
	}
	a.hash.sums[sp], a.hash.live[sp] = sum, n
}

// hashDrop records that every key of sp is gone.
func (a *applier) hashDrop(sp Space) {
	sum, ok := a.hash.sums[sp]
	if !ok {
		sum = a.s.hash.sums[sp]
	}
	a.hash.total -= sum
	a.hash.sums[sp], a.hash.live[sp] = 0, 0
}

// hashEntryDone notes a hash point after the entry at index.
func (a *applier) hashEntryDone(index uint64) {
	if iv := a.s.opts.HashInterval; iv > 0 && index%uint64(iv) == 0 {
		a.hash.points = append(a.hash.points, StateHash{Index: index, Hash: a.hash.total})
	}
}

// hashReport applies a KindStateHash entry: node reported hash at index.
// It fails with ErrDiverged when this store's own hash at index differs
// from one a majority of the voters reported.
func (a *applier) hashReport(c *Command) (Result, error) {
	if len(c.Key) != 16 || c.Delta <= 0 {
		return Result{Err: ErrBadKey}, nil
	}
	r := StateHash{Node: uint64(c.Delta), Index: binary.BigEndian.Uint64(c.Key), Hash: binary.BigEndian.Uint64(c.Key[8:])}
	own, known := a.ownHash(r.Index)
	r.Known, r.Match = known, known && own == r.Hash
	a.hash.reports = append(a.hash.reports, r)
	if !known || r.Match {
		return Result{}, nil
	}
	a.s.logger.Error("STATE HASH MISMATCH: a replica's state differs from this one's at the same index",
		"index", r.Index, "reporter", r.Node, "its_hash", fmt.Sprintf("%016x", r.Hash), "this_hash", fmt.Sprintf("%016x", own))
	// Who diverged: count the reports at this index, including this batch's.
	votes := map[uint64]int{} // of the reports: this node's own counts once it is in the log
	seen := map[uint64]bool{}
	for node, h := range a.s.hash.reports[r.Index] {
		votes[h]++
		seen[node] = true
	}
	for _, br := range a.hash.reports {
		if br.Index == r.Index && !seen[br.Node] {
			votes[br.Hash]++
			seen[br.Node] = true
		}
	}
	quorum := 2
	if a.s.opts.Voters != nil {
		quorum = a.s.opts.Voters()/2 + 1
	}
	for h, n := range votes {
		if h != own && n >= quorum {
			return Result{}, fmt.Errorf("%w at index %d: this node's hash is %016x, %d nodes have %016x; stopping rather than serve it (rebuild this node: see the README, \"A node whose state diverged\")",
				ErrDiverged, r.Index, own, n, h)
		}
	}
	return Result{}, nil
}

// ownHash is this store's hash at a hash point index, from this batch or
// the points remembered.
func (a *applier) ownHash(index uint64) (uint64, bool) {
	for _, p := range a.hash.points {
		if p.Index == index {
			return p.Hash, true
		}
	}
	for _, p := range a.s.hash.points {
		if p.Index == index {
			return p.Hash, true
		}
	}
	return 0, false
}

// commitHashes writes a batch's sums into its transaction (meta bucket).
func (a *applier) commitHashes() error {
	for sp, sum := range a.hash.sums {
		if err := a.meta.Put(hashKey(sp), hashValue(sum, a.hash.live[sp])); err != nil {
			return err
		}
	}
	return nil
}

// publishHashes makes a committed batch's hash changes the store's and
// returns its hash points. Under applyMu.
func (s *Store) publishHashes(b *batchHash) []StateHash {
	hs := &s.hash
	maps.Copy(hs.sums, b.sums)
	if len(b.live) > 0 {
		hs.liveMu.Lock()
		maps.Copy(hs.live, b.live)
		hs.liveMu.Unlock()
	}
	hs.total = b.total
	hs.points = append(hs.points, b.points...)
	if n := len(hs.points) - hashPoints; n > 0 {
		hs.points = slices.Delete(hs.points, 0, n)
	}
	for _, r := range b.reports {
		m := hs.reports[r.Index]
		if m == nil {
			m = make(map[uint64]uint64)
			hs.reports[r.Index] = m
		}
		m[r.Node] = r.Hash
	}
	if len(hs.reports) > hashPoints {
		idx := slices.Sorted(maps.Keys(hs.reports))
		for _, i := range idx[:len(idx)-hashPoints] {
			delete(hs.reports, i)
		}
	}
	hs.mu.Lock()
	if len(b.points) > 0 {
		hs.latest[0] = b.points[len(b.points)-1]
	}
	for _, r := range b.reports {
		if old, ok := hs.latest[r.Node]; !ok || r.Index >= old.Index {
			hs.latest[r.Node] = r
		}
	}
	hs.mu.Unlock()
	return b.points
}

// StateHashes returns this store's newest hash point (Node 0) and each
// node's newest report, by node.
func (s *Store) StateHashes() map[uint64]StateHash {
	s.hash.mu.Lock()
	defer s.hash.mu.Unlock()
	return maps.Clone(s.hash.latest)
}

// StateHashCommand is the KindStateHash command by which node reports
// hash at index (Options.OnHashPoint's caller proposes it).
func StateHashCommand(node, index, hash uint64) *Command {
	k := binary.BigEndian.AppendUint64(nil, index)
	return &Command{Kind: KindStateHash, Key: binary.BigEndian.AppendUint64(k, hash), Delta: int64(node)}
}

// CurrentStateHash is the state hash at the applied index (tests, tools).
func (s *Store) CurrentStateHash() (index, hash uint64) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	return s.applied.Load(), s.hash.total
}

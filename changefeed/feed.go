package changefeed

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"logdb/kv"
	"logdb/raftlog"
	"logdb/sql/pgerror"
)

// LogReader is the retained raft log; *raftlog.Node implements it. The
// feed reads only entries at or below kv's applied index.
type LogReader interface {
	// Entries returns committed entries [lo, hi); lo below FirstIndex gives
	// an error wrapping raftlog.ErrCompacted.
	Entries(lo, hi uint64) ([]raftlog.Entry, error)
	// FirstIndex is the first index still retained.
	FirstIndex() uint64
}

var _ LogReader = (*raftlog.Node)(nil)

// Config configures New.
type Config struct {
	Log     LogReader
	Store   *kv.Store
	Decoder Decoder
	Logger  *slog.Logger // default slog.Default()
	// BatchEntries is how many log entries a subscription reads at once
	// (default 64): with the entries' size, it bounds its memory.
	BatchEntries int
	// Retention keeps entries committed within it (RetentionFloor); 0 keeps
	// every entry.
	Retention time.Duration
	// MaxSlotRetention caps how far back a slot holds the log: a slot whose
	// position is older is lost. 0: no cap.
	MaxSlotRetention time.Duration
}

// Sentinel errors.
var (
	// ErrClosed is returned by a Subscription's Next and Fetch after Close, or
	// after the Feed closed.
	ErrClosed = errors.New("changefeed: closed")
)

// Feed serves change subscriptions from the retained log. All methods are
// safe for concurrent use.
type Feed struct {
	cfg    Config
	logger *slog.Logger
	done   chan struct{}
	once   sync.Once

	// mu guards schemas and active; never held while reading the log.
	mu      sync.Mutex
	schemas map[uint64]*schema // by asOf; a few versions
	active  map[string]int32   // slots with a subscription open: the subscriber's PID (0: none given)

	// curMu guards CurrentLSN's state: cur, and the running refresh
	// (curDone, closed when it ends; curErr, its error).
	curMu   sync.Mutex
	cur     currentLSN
	curDone chan struct{}
	curErr  error
	// curFallback: the largest fallback answer given; answers never go
	// below it
	curFallback uint64

	// subscribers and delivered back Stats.
	subscribers atomic.Int64
	delivered   atomic.Uint64
}

// Stats are the feed's counts for metrics.
type Stats struct {
	Subscribers int64  // subscriptions open now
	Delivered   uint64 // changes returned by Next and Fetch since New (progress rows included)
}

// Stats returns the feed's counts. Safe from any goroutine.
func (f *Feed) Stats() Stats {
	return Stats{Subscribers: f.subscribers.Load(), Delivered: f.delivered.Load()}
}

// currentLSN remembers the LSN of the last change up to index, and the
// schema in force after index.
type currentLSN struct {
	index uint64
	lsn   uint64
	sch   *schema
}

const maxCachedSchemas = 16

// New returns a Feed over cfg.Log and cfg.Store.
func New(cfg Config) (*Feed, error) {
	if cfg.Log == nil || cfg.Store == nil || cfg.Decoder == nil {
		return nil, errors.New("changefeed: Config needs Log, Store and Decoder")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BatchEntries <= 0 {
		cfg.BatchEntries = 64
	}
	return &Feed{
		cfg:     cfg,
		logger:  cfg.Logger.With("component", "changefeed"),
		done:    make(chan struct{}),
		schemas: make(map[uint64]*schema),
		active:  make(map[string]int32),
	}, nil
}

// Close ends every subscription's wait (they return ErrClosed). Call it
// before closing the store.
func (f *Feed) Close() {
	f.once.Do(func() { close(f.done) })
}

// schemaAt returns the tables as of just after entry index.
func (f *Feed) schemaAt(index uint64) (*schema, error) {
	keys, asOf, err := f.cfg.Store.CatalogAt(index)
	if err != nil {
		return nil, fmt.Errorf("changefeed: catalog at %d: %w", index, err)
	}
	f.mu.Lock()
	s := f.schemas[asOf]
	f.mu.Unlock()
	if s != nil {
		return s, nil
	}
	if s, err = f.buildSchema(asOf, keys); err != nil {
		return nil, err
	}
	f.mu.Lock()
	if len(f.schemas) >= maxCachedSchemas {
		var oldest uint64 = 1<<64 - 1
		for k := range f.schemas {
			oldest = min(oldest, k)
		}
		delete(f.schemas, oldest)
	}
	f.schemas[asOf] = s
	f.mu.Unlock()
	return s, nil
}

// schemaOf returns the tables of the catalog txn reads (not cached: used
// where another bbolt read transaction must not be opened).
func (f *Feed) schemaOf(txn *kv.Txn) (*schema, error) {
	keys := make(map[string][]byte)
	it := txn.Scan(kv.CatalogSpace, nil, nil, false)
	for it.Next() {
		keys[string(it.Key())] = it.Value()
	}
	it.Close()
	if err := it.Err(); err != nil {
		return nil, err
	}
	return f.buildSchema(txn.SnapshotIndex(), keys)
}

func (f *Feed) buildSchema(asOf uint64, keys map[string][]byte) (*schema, error) {
	rels, err := f.cfg.Decoder.Relations(CatalogView{Index: asOf, Keys: keys})
	if err != nil {
		return nil, fmt.Errorf("changefeed: describe tables at %d: %w", asOf, err)
	}
	s := &schema{asOf: asOf, spaces: make(map[kv.Space]*relation, len(rels)), names: make(map[string]kv.Space, len(rels)),
		byOID: make(map[uint32]kv.Space, len(rels))}
	if pd, ok := f.cfg.Decoder.(PublicationDecoder); ok {
		pubs, err := pd.Publications(CatalogView{Index: asOf, Keys: keys})
		if err != nil {
			return nil, fmt.Errorf("changefeed: publications at %d: %w", asOf, err)
		}
		s.publications = make(map[string]bool, len(pubs))
		for i := range pubs {
			p := &pubs[i]
			s.publications[nameKey(p.Database, p.Name)] = true
			for _, r := range rels {
				if p.publishes(r) {
					if r.Publications == nil {
						r.Publications = map[string]PublishActions{}
					}
					r.Publications[p.Name] = p.Actions
				}
			}
		}
	}
	for sp, r := range rels {
		p, err := prepareRelation(r)
		if err != nil {
			return nil, err
		}
		s.spaces[sp] = p
		s.names[nameKey(r.Database, p.qualified)] = sp
		s.byOID[r.OID] = sp
	}
	return s, nil
}

// PublicationExists reports whether the current catalog has the
// publication in database db.
func (f *Feed) PublicationExists(db uint32, name string) (bool, error) {
	s, err := f.schemaAt(f.cfg.Store.AppliedIndex())
	if err != nil {
		return false, err
	}
	return s.publications[nameKey(db, name)], nil
}

// retentionError is the error for a position the log no longer holds.
func (f *Feed) retentionError(what string, lsn uint64) error {
	first := f.cfg.Log.FirstIndex()
	return &pgerror.Error{
		Code:    pgerror.ObjectNotInPrerequisiteState,
		Message: fmt.Sprintf("changefeed position %s is no longer retained: the earliest retained LSN is %s", FormatLSN(lsn), FormatLSN(LSN(first, 0))),
		Detail:  what + " asks for changes the log has already discarded (retention).",
		Hint:    "Start again with SNAPSHOT = true, or from an LSN at or after the earliest retained one.",
	}
}

// CurrentLSN returns the position just after the last committed change
// (what pg_current_wal_lsn returns): LSN(i, n+1) when the latest entry with
// changes is i with n changes, which is also the commit position a
// replication stream gives that transaction (Change.TxnEnd). Every change
// committed so far has an LSN below it, every later one above. When the last entries carry no change
// (DDL only, rolled back), it is LSN(i, 0) of the oldest such entry i it
// looked at, which orders the same way. It reads the entries applied since
// the previous computation (amortized: each entry once).
//
// It is safe to call with a kv.Txn open: the reading runs on its own
// goroutine, and if it cannot finish within currentWait (bbolt blocks new
// read transactions while the file is being grown, and the caller's open
// transaction may be what that growth waits for) or fails, CurrentLSN
// returns EndLSN(applied index), still a correct position. Its answers
// never decrease.
func (f *Feed) CurrentLSN() uint64 {
	applied := f.cfg.Store.AppliedIndex()
	if applied == 0 {
		return 0
	}
	deadline := time.NewTimer(currentWait)
	defer deadline.Stop()
	for {
		f.curMu.Lock()
		if f.cur.sch != nil && f.cur.index >= applied {
			lsn := max(f.cur.lsn, f.curFallback)
			f.curMu.Unlock()
			return lsn
		}
		ch := f.curDone
		if ch == nil {
			ch = make(chan struct{})
			f.curDone = ch
			go f.refreshCurrent(ch)
		}
		f.curMu.Unlock()
		select {
		case <-ch:
			f.curMu.Lock()
			failed := f.curErr != nil
			f.curMu.Unlock()
			if failed {
				return f.fallbackLSN(applied)
			}
		case <-deadline.C:
			return f.fallbackLSN(applied)
		case <-f.done:
			return f.fallbackLSN(applied)
		}
	}
}

// fallbackLSN returns EndLSN(applied), and remembers it so that CurrentLSN
// never goes back (a later exact answer may be lower; the larger one is
// just as correct).
func (f *Feed) fallbackLSN(applied uint64) uint64 {
	f.curMu.Lock()
	defer f.curMu.Unlock()
	f.curFallback = max(f.curFallback, EndLSN(applied))
	return f.curFallback
}

// currentWait bounds CurrentLSN's wait for its reading goroutine.
const currentWait = 200 * time.Millisecond

// refreshCurrent brings cur up to the applied index, then closes done.
func (f *Feed) refreshCurrent(done chan struct{}) {
	f.curMu.Lock()
	cur := f.cur
	f.curMu.Unlock()
	next, err := f.advanceCurrent(cur, f.cfg.Store.AppliedIndex())
	if err != nil {
		f.logger.Warn("current lsn", "err", err)
	}
	f.curMu.Lock()
	if err == nil {
		f.cur = next
	}
	f.curErr = err
	f.curDone = nil
	f.curMu.Unlock()
	close(done)
}

// currentScanLimit bounds the backward scan of CurrentLSN's first call.
const currentScanLimit = 4096

func (f *Feed) advanceCurrent(cur currentLSN, applied uint64) (currentLSN, error) {
	first := f.cfg.Log.FirstIndex()
	if cur.sch == nil || cur.index+1 < first || applied-cur.index > currentScanLimit {
		// Start fresh, a bounded distance back; the result is right
		// whenever a change is found in that window.
		from := max(first, applied-min(applied, currentScanLimit)+1, 1)
		cur = currentLSN{index: from - 1, lsn: LSN(from, 0)}
	}
	if cur.sch == nil {
		s, err := f.schemaAt(cur.index)
		if err != nil {
			return cur, err
		}
		cur.sch = s
	}
	batch := uint64(f.cfg.BatchEntries)
	for lo := cur.index + 1; lo <= applied; lo += batch {
		hi := min(lo+batch, applied+1)
		ents, err := f.cfg.Log.Entries(lo, hi)
		if err != nil {
			return cur, err
		}
		failed, err := f.cfg.Store.Failed(lo, hi)
		if err != nil {
			return cur, err
		}
		for _, e := range ents {
			ok := !containsSorted(failed, e.Index)
			if len(e.Data) > 0 {
				c, err := kv.DecodeCommand(e.Data)
				if err != nil {
					return cur, fmt.Errorf("changefeed: entry %d: %w", e.Index, err)
				}
				prev := cur.sch
				if ok && c.Kind == kv.KindTxn && writesCatalog(c) {
					if cur.sch, err = f.schemaAt(e.Index); err != nil {
						return cur, err
					}
				}
				if n := countChanges(c, ok, cur.sch, prev); n > 0 {
					cur.lsn = LSN(e.Index, uint32(min(n+1, MaxSeq)))
				}
			}
			cur.index = e.Index
		}
	}
	return cur, nil
}

func containsSorted(s []uint64, v uint64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
		if x > v {
			return false
		}
	}
	return false
}

// MessageLSN returns the LSN of the k-th (0-based) message of the entry at
// index, once it applied: pg_logical_emit_message's result, which is known
// only after commit (sql gets index from its proposal). The message must be
// delivered (transactional messages of a failed entry are not: 0, false).
func (f *Feed) MessageLSN(index uint64, k int) (uint64, bool, error) {
	ents, err := f.cfg.Log.Entries(index, index+1)
	if err != nil {
		return 0, false, err
	}
	if len(ents) != 1 || len(ents[0].Data) == 0 {
		return 0, false, nil
	}
	c, err := kv.DecodeCommand(ents[0].Data)
	if err != nil || k < 0 || k >= len(c.Messages) {
		return 0, false, err
	}
	applied, err := f.cfg.Store.Applied(index)
	if err != nil {
		return 0, false, err
	}
	sch, err := f.schemaAt(index)
	if err != nil {
		return 0, false, err
	}
	var prev *schema
	if applied && c.Kind == kv.KindTxn && writesCatalog(c) {
		if prev, err = f.schemaAt(index - 1); err != nil {
			return 0, false, err
		}
	}
	if !messageDelivered(c, applied, k) {
		return 0, false, nil
	}
	msgs := c.Messages
	c.Messages = c.Messages[:k+1] // count the rows and messages up to k
	n := countChanges(c, applied, sch, prev)
	c.Messages = msgs
	return LSN(index, uint32(n)), true, nil
}

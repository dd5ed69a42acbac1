package sql

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/parse"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// Sequence blocks. nextval hands out values from a block of ordinals this
// node reserved through the log (one KindIncrement entry, a quorum round
// trip); only the refill of a used-up block waits for the log. A block
// starts at seqBlockSize ordinals; when a block is used up within
// seqGrowWithin of its reservation the next one is twice as large, up to
// seqBlockMax, and one that lasted longer than seqShrinkAfter halves it
// again (so a busy inserter — a job queue's producers — pays a round trip
// every 1,024 values instead of every 32, and an idle node keeps small
// blocks, losing few values at a restart). One refill per sequence is in
// flight at a time: the sessions that find the block empty meanwhile wait
// for it instead of proposing their own (on three nodes under a job
// queue's inserts, most of a node's producers met the same empty block).
const (
	seqBlockSize   = 32
	seqBlockMax    = 1024
	seqGrowWithin  = time.Second
	seqShrinkAfter = 10 * time.Second
)

// engineState is the mutable part of an Engine. Guarded by Engine.mu unless
// noted.
type engineState struct {
	catalogs *catalog.Cache // logdb's catalogs by version; its own mutex
	// dbCatalogs caches the catalogs of the other databases, by OID
	// (databases.go); each Cache has its own mutex.
	dbCatalogs map[uint32]*catalog.Cache
	seqs       map[uint32]*seqBlock // per-sequence value blocks
	lastRow    uint64               // high part of the last hidden row id
	// exported snapshots by name (CREATE_REPLICATION_SLOT … EXPORT_SNAPSHOT,
	// SET TRANSACTION SNAPSHOT; replication.go)
	exported map[string]*kv.SharedSnapshot
	// walsenders are this node's streaming replication connections, by PID
	// (pg_stat_replication; replication.go)
	walsenders map[int32]*walsender
}

type seqBlock struct {
	next, high int64     // ordinal positions (1-based count of values handed out)
	size       int64     // the ordinals the next refill reserves
	reserved   time.Time // when the current block was reserved
	// refill is closed when the refill in flight ends (nil: none)
	refill chan struct{}
}

// nextSize returns the size of the block to reserve after one reserved at
// b.reserved was used up now, and remembers it.
func (b *seqBlock) nextSize(now time.Time) int64 {
	switch age := now.Sub(b.reserved); {
	case b.reserved.IsZero():
	case age < seqGrowWithin:
		b.size = min(2*b.size, seqBlockMax)
	case age > seqShrinkAfter:
		b.size = max(b.size/2, seqBlockSize)
	}
	return b.size
}

// newEngineState is split out so tests can reset it.
func newEngineState() engineState {
	return engineState{seqs: map[uint32]*seqBlock{}, catalogs: catalog.NewCache(catalog.LogdbDBOID),
		dbCatalogs: map[uint32]*catalog.Cache{}}
}

func (e *Engine) init() {
	if e.cfg.Logger == nil {
		e.cfg.Logger = slog.Default()
	}
	e.st = newEngineState()
	e.limits = exec.Limits{TempDir: e.cfg.TempDir, MaxStatementMemory: e.cfg.MaxStatementMemory, MaxTxnBytes: e.cfg.MaxTxnBytes}
	e.parses = parse.NewCache(512)
}

// nextPID hands out backend pids for pg_backend_pid and BackendKeyData.
var nextPID atomic.Int32

// catalogFor returns database logdb's catalog as of txn's snapshot
// (catalog.Cache.For): what the engine itself reads (roles, databases).
func (e *Engine) catalogFor(txn *kv.Txn) (*catalog.Catalog, error) {
	return e.st.catalogs.For(txn)
}

// cacheOf is the catalog cache of database db.
func (e *Engine) cacheOf(db uint32) *catalog.Cache {
	if db == catalog.LogdbDBOID || db == 0 {
		return e.st.catalogs
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.st.dbCatalogs[db]
	if c == nil {
		c = catalog.NewCache(db)
		e.st.dbCatalogs[db] = c
	}
	return c
}

// newRowID returns a node-unique id for a row of a table without a primary
// key: unix micros in the high bits (made monotonic per node), node id in
// the low 6 bits. No shared counter, so concurrent inserters never conflict.
func (e *Engine) newRowID() int64 {
	now := uint64(time.Now().UnixMicro()) << 6
	e.mu.Lock()
	if now <= e.st.lastRow {
		now = e.st.lastRow + 1
	}
	e.st.lastRow = now
	e.mu.Unlock()
	return int64(now<<6 | (e.cfg.NodeID & 63))
}

// nextSeqOrdinal returns the next ordinal (1, 2, ...) of sequence s,
// reserving a block of ordinals through the log when the local block is
// used up (one refill in flight per sequence: see seqBlockSize). Ordinals
// map to values as start + (ord-1)*increment.
func (e *Engine) nextSeqOrdinal(ctx context.Context, oid uint32) (int64, error) {
	for {
		e.mu.Lock()
		b := e.st.seqs[oid]
		if b == nil {
			b = &seqBlock{next: 1, size: seqBlockSize} // empty: next > high
			e.st.seqs[oid] = b
		}
		if b.next <= b.high {
			v := b.next
			b.next++
			e.mu.Unlock()
			return v, nil
		}
		if wait := b.refill; wait != nil {
			e.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		size := b.nextSize(time.Now())
		done := make(chan struct{})
		b.refill = done
		e.mu.Unlock()
		res, err := e.proposeInTxn(ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: catalog.SequenceKey(oid), Delta: size})
		e.mu.Lock()
		b.refill = nil
		close(done)
		if err != nil {
			e.mu.Unlock()
			return 0, err
		}
		high := res.Value
		if e.st.seqs[oid] == b {
			// (setval dropped b meanwhile: the block serves this one
			// value only)
			b.next, b.high, b.reserved = high-size+2, high, time.Now()
		}
		e.mu.Unlock()
		return high - size + 1, nil
	}
}

// setSeqOrdinal makes the next ordinal handed out by any node be ord+1.
func (e *Engine) setSeqOrdinal(ctx context.Context, oid uint32, ord int64) error {
	res, err := e.proposeInTxn(ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: catalog.SequenceKey(oid), Delta: 0})
	if err != nil {
		return err
	}
	if d := ord - res.Value; d != 0 {
		if _, err := e.proposeInTxn(ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: catalog.SequenceKey(oid), Delta: d}); err != nil {
			return err
		}
	}
	e.mu.Lock()
	delete(e.st.seqs, oid)
	e.mu.Unlock()
	return nil
}

func (e *Engine) propose(ctx context.Context, cmd *kv.Command) (kv.Result, error) {
	if e.cfg.Proposer == nil {
		return kv.Result{}, pgerror.New(pgerror.Internal, "no proposer configured")
	}
	res, err := e.cfg.Proposer.Propose(ctx, cmd)
	if err != nil {
		if ctx.Err() != nil {
			return res, errCanceled
		}
		if pe := proposerError(err); pe != nil {
			return res, pe // already carries its SQLSTATE (40001, 40003)
		}
		return res, pgerror.Wrap(err, pgerror.ConnectionException, "propose")
	}
	if err := plan.MergeApplyErr(res.Err); err != nil { // merge.go: e.g. 22003 at COMMIT
		return res, err
	}
	if res.Err != nil && res.Err != kv.ErrConflict && res.Err != kv.ErrXidFenced {
		return res, pgerror.Wrap(res.Err, pgerror.Internal, "apply")
	}
	return res, nil
}

// inTxnProposeTimeout bounds a proposal made while the caller holds a
// snapshot (sequence blocks, OIDs, messages). Apply may wait for open
// snapshots when bbolt grows its mmap; failing the statement releases ours
// instead of deadlocking.
const inTxnProposeTimeout = 10 * time.Second

func (e *Engine) proposeInTxn(ctx context.Context, cmd *kv.Command) (kv.Result, error) {
	tctx, cancel := context.WithTimeout(ctx, inTxnProposeTimeout)
	defer cancel()
	res, err := e.propose(tctx, cmd)
	if err != nil && ctx.Err() == nil && tctx.Err() != nil {
		return res, &pgerror.Error{Code: pgerror.SerializationFailure,
			Message: "could not serialize access: the log did not apply a request made inside this transaction in time",
			Hint:    "Retry the transaction."}
	}
	return res, err
}

var errCanceled = pgerror.New(pgerror.QueryCanceled, "canceling statement due to user request")

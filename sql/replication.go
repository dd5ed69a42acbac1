package sql

// What a replication connection's commands need from its session
// (package replication declares the interface, pgwire drives it): the
// system identifier, slot creation with its snapshot, dropping, reading
// and advancing slots, and opening the stream a START_REPLICATION reads.
//
// Slots are written in kv transactions of their own through the log, as
// pg_create_logical_replication_slot's are, so they are the same on every
// node and survive restarts. AdvanceReplicationSlot is safe to call from
// any goroutine (the stream's confirmations run on their own).

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

var systemIDKey = []byte("system_identifier")

// SystemIdentifier returns the cluster's replication system identifier
// (IDENTIFY_SYSTEM's systemid): a random number written through the log
// the first time anyone asks, the same on every node from then on.
func (s *Session) SystemIdentifier(ctx context.Context) (string, error) {
	var id uint64
	err := s.writeSystem(ctx, func(txn *kv.Txn) error {
		v, ok, err := txn.Get(kv.SystemSpace, systemIDKey)
		if err != nil {
			return err
		}
		if ok && len(v) == 8 {
			id = binary.BigEndian.Uint64(v)
			return nil
		}
		// PostgreSQL's shape: seconds since the epoch in the high half.
		var r [4]byte
		_, _ = rand.Read(r[:])
		id = uint64(time.Now().Unix())<<32 | uint64(binary.BigEndian.Uint32(r[:]))
		txn.Put(kv.SystemSpace, systemIDKey, binary.BigEndian.AppendUint64(nil, id), nil)
		return nil
	})
	return strconv.FormatUint(id, 10), err
}

// Database is the session's database name.
func (s *Session) Database() string { return s.db }

// FeedDatabase is the session's database as the changefeed numbers it
// (feedDB): a replication stream decodes only that database's changes,
// with that database's slots.
func (s *Session) FeedDatabase() uint32 { return feedDB(s.dbOID) }

// writeSystem runs fn in a kv transaction of its own and commits what it
// buffered, retrying on a serialization conflict (like an autocommit
// statement). fn may be run more than once.
func (e *Engine) writeSystem(ctx context.Context, fn func(txn *kv.Txn) error) error {
	for attempt := 0; ; attempt++ {
		txn, err := e.cfg.Store.Begin()
		if err != nil {
			return pgerror.Wrap(err, pgerror.Internal, "begin")
		}
		if err := fn(txn); err != nil {
			txn.Release()
			return err
		}
		if !txn.HasWrites() {
			txn.Release()
			return nil
		}
		cmd := txn.Command(time.Now().UnixMicro())
		txn.Release()
		res, err := e.proposeInTxn(ctx, cmd)
		if err != nil {
			return err
		}
		if res.Err != kv.ErrConflict {
			return nil
		}
		if attempt >= 10 {
			return errSerialization
		}
	}
}

// CreateReplicationSlot creates a logical slot for plugin and returns its
// consistent point. snapshot is "nothing", "export" or "use":
//   - "use": the session must be in a READ ONLY REPEATABLE READ transaction
//     that has not read anything yet; the transaction then reads exactly
//     the state at the consistent point, and the slot streams what came
//     after it (a table copy in that transaction and the stream meet with
//     no gap and no duplicate);
//   - "export": the same state is exported under the returned name, for
//     SET TRANSACTION SNAPSHOT in other sessions, until this session runs
//     its next command (ReleaseExportedSnapshot) or ends.
//
// A temporary slot is dropped when the session ends.
func (s *Session) CreateReplicationSlot(ctx context.Context, name, plugin string, temporary bool, snapshot string) (consistent uint64, snapshotName string, err error) {
	f, err := s.feed()
	if err != nil {
		return 0, "", err
	}
	if err := changefeed.ValidateSlotName(name); err != nil {
		return 0, "", err
	}
	at := uint64(0) // the snapshot's index; 0: the applied index
	var exported *kv.SharedSnapshot
	switch snapshot {
	case "use":
		const what = "CREATE_REPLICATION_SLOT ... (SNAPSHOT 'use')"
		switch {
		case s.mode != modeBlock || s.tx == nil:
			return 0, "", pgerror.New(pgerror.ObjectNotInPrerequisiteState, "%s must be called inside a transaction", what)
		case !s.tx.readOnly:
			return 0, "", pgerror.New(pgerror.ObjectNotInPrerequisiteState, "%s must be called in a read only transaction", what)
		case s.tx.Kv != nil:
			return 0, "", pgerror.New(pgerror.ObjectNotInPrerequisiteState, "%s must be called before any query", what)
		case len(s.tx.savepoints) > 0:
			return 0, "", pgerror.New(pgerror.ObjectNotInPrerequisiteState, "%s must not be called in a subtransaction", what)
		}
		t, err := s.ensureKV(ctx)
		if err != nil {
			return 0, "", err
		}
		at = t.Kv.SnapshotIndex()
	case "export":
		if err := s.readBarrier(ctx); err != nil {
			return 0, "", err
		}
		if exported, err = s.e.cfg.Store.ExportSnapshot(); err != nil {
			return 0, "", pgerror.Wrap(err, pgerror.Internal, "export snapshot")
		}
		at = exported.Index()
	}
	var slot changefeed.Slot
	err = s.writeSystem(ctx, func(txn *kv.Txn) error {
		var err error
		slot, err = f.CreateSlotAt(txn, name, plugin, feedDB(s.dbOID), at, time.Now())
		return err
	})
	if err != nil {
		if exported != nil {
			exported.Release()
		}
		return 0, "", err
	}
	if temporary {
		s.tempSlots = append(s.tempSlots, name)
	}
	if exported != nil {
		s.exportSeq++
		snapshotName = fmt.Sprintf("%08X-%08X-1", uint32(s.pid), s.exportSeq)
		s.e.mu.Lock()
		if s.e.st.exported == nil {
			s.e.st.exported = map[string]*kv.SharedSnapshot{}
		}
		s.e.st.exported[snapshotName] = exported
		s.e.mu.Unlock()
		s.exportedName = snapshotName
	}
	return slot.ConfirmedLSN, snapshotName, nil
}

// ReleaseExportedSnapshot ends the snapshot this session exported, if
// any: as in PostgreSQL, it is valid only until the exporting replication
// connection runs its next command or ends.
func (s *Session) ReleaseExportedSnapshot() {
	if s.exportedName == "" {
		return
	}
	s.e.mu.Lock()
	sn := s.e.st.exported[s.exportedName]
	delete(s.e.st.exported, s.exportedName)
	s.e.mu.Unlock()
	s.exportedName = ""
	if sn != nil {
		sn.Release()
	}
}

// setTransactionSnapshot is SET TRANSACTION SNAPSHOT 'name': the
// transaction, which must not have read anything yet, reads the snapshot
// another session exported.
func (s *Session) setTransactionSnapshot(name string) error {
	if s.mode != modeBlock || s.tx == nil {
		return pgerror.New(pgerror.NoActiveSQLTransaction, "SET TRANSACTION can only be used in transaction blocks")
	}
	if s.tx.Kv != nil {
		return pgerror.New(pgerror.ActiveSQLTransaction, "SET TRANSACTION SNAPSHOT must be called before any query")
	}
	if len(name) != len("00000000-00000000-1") || strings.Count(name, "-") != 2 {
		return pgerror.New(pgerror.InvalidParameterValue, "invalid snapshot identifier: \"%s\"", name)
	}
	s.e.mu.Lock()
	sn := s.e.st.exported[name]
	s.e.mu.Unlock()
	if sn == nil {
		return pgerror.New(pgerror.InvalidParameterValue, "snapshot \"%s\" does not exist", name)
	}
	txn, err := sn.Begin()
	if err != nil {
		return pgerror.New(pgerror.InvalidParameterValue, "snapshot \"%s\" does not exist", name)
	}
	cat, err := s.catalogFor(txn)
	if err != nil {
		txn.Release()
		return err
	}
	s.tx.Kv, s.tx.cat = txn, cat
	return nil
}

// DropReplicationSlot drops a slot: 42704 when it does not exist, 55006
// when a stream on this node uses it (with wait, it waits for that stream
// to end, as long as ctx allows).
func (s *Session) DropReplicationSlot(ctx context.Context, name string, wait bool) error {
	f, err := s.feed()
	if err != nil {
		return err
	}
	for {
		err := s.writeSystem(ctx, func(txn *kv.Txn) error { return f.DropSlot(txn, name) })
		if err == nil || !wait || pgerror.As(err).Code != pgerror.ObjectInUse {
			if err == nil {
				for i, n := range s.tempSlots {
					if n == name {
						s.tempSlots = append(s.tempSlots[:i], s.tempSlots[i+1:]...)
						break
					}
				}
			}
			return err
		}
		select {
		case <-ctx.Done():
			return errCanceled
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ReplicationSlot reads a slot from the current state.
func (s *Session) ReplicationSlot(ctx context.Context, name string) (changefeed.Slot, bool, error) {
	f, err := s.feed()
	if err != nil {
		return changefeed.Slot{}, false, err
	}
	if err := s.readBarrier(ctx); err != nil {
		return changefeed.Slot{}, false, err
	}
	txn, err := s.e.cfg.Store.Begin()
	if err != nil {
		return changefeed.Slot{}, false, pgerror.Wrap(err, pgerror.Internal, "begin")
	}
	defer txn.Release()
	return f.Slot(txn, name)
}

// AdvanceReplicationSlot records that the slot's consumer has everything
// up to lsn (pg_replication_slot_advance). Safe from any goroutine.
func (s *Session) AdvanceReplicationSlot(ctx context.Context, name string, lsn uint64) error {
	f, err := s.feed()
	if err != nil {
		return err
	}
	return s.writeSystem(ctx, func(txn *kv.Txn) error {
		_, err := f.AdvanceSlot(txn, name, lsn)
		return err
	})
}

// ReplicationFeed returns the changefeed streams read.
func (s *Session) ReplicationFeed() (*changefeed.Feed, error) { return s.feed() }

// dropTempSlots drops the session's temporary slots and ends its exported
// snapshot (Close).
func (s *Session) dropTempSlots() {
	s.ReleaseExportedSnapshot()
	if len(s.tempSlots) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, name := range s.tempSlots {
		if err := s.DropReplicationSlot(ctx, name, true); err != nil && pgerror.As(err).Code != pgerror.UndefinedObject {
			s.e.cfg.Logger.Warn("sql: dropping a temporary replication slot", "slot", name, "err", err)
		}
	}
	s.tempSlots = nil
}

// walsender is one streaming replication connection of this node, for
// pg_stat_replication.
type walsender struct {
	pid                        int32
	user, app                  string
	started                    time.Time
	sent, write, flush, replay uint64
	replyTime                  time.Time
}

// StartStreaming registers the session's START_REPLICATION for
// pg_stat_replication: progress records what was sent and what the client
// reported (called from the stream's goroutine), end removes it.
func (s *Session) StartStreaming() (progress func(sent, write, flush, replay uint64), end func()) {
	w := &walsender{pid: s.pid, user: s.user, app: s.set.Vals["application_name"], started: s.started}
	e := s.e
	e.mu.Lock()
	if e.st.walsenders == nil {
		e.st.walsenders = map[int32]*walsender{}
	}
	e.st.walsenders[s.pid] = w
	e.mu.Unlock()
	progress = func(sent, write, flush, replay uint64) {
		e.mu.Lock()
		w.sent, w.replyTime = sent, time.Now()
		w.write, w.flush, w.replay = write, flush, replay
		e.mu.Unlock()
	}
	end = func() {
		e.mu.Lock()
		delete(e.st.walsenders, w.pid)
		e.mu.Unlock()
	}
	return progress, end
}

// replicationStats fills pg_stat_replication.
// ReplicationConnections is the number of replication connections
// streaming from this node (pg_stat_replication's rows), for metrics.
func (e *Engine) ReplicationConnections() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.st.walsenders)
}

func (e *Engine) replicationStats() []pgcatalog.ReplicationStat {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]pgcatalog.ReplicationStat, 0, len(e.st.walsenders))
	for _, w := range e.st.walsenders {
		out = append(out, pgcatalog.ReplicationStat{PID: w.pid, User: w.user, ApplicationName: w.app, BackendStart: w.started,
			State: "streaming", Sent: types.LSN(w.sent), Write: types.LSN(w.write), Flush: types.LSN(w.flush), Replay: types.LSN(w.replay),
			ReplyTime: w.replyTime})
	}
	return out
}

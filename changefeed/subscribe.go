package changefeed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"logdb/kv"
	"logdb/raftlog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Request says what a subscription delivers and from where.
type Request struct {
	// Tables: "public.orders" or "orders" (public is assumed). Each must
	// exist (now, or at the start position), else 42P01.
	Tables    []string
	AllTables bool
	// Database: only tables of this database (Relation.Database); Tables
	// are names in its catalog.
	Database uint32
	// MessagePrefixes: messages whose prefix equals one of these.
	MessagePrefixes []string
	AllMessages     bool
	// Start: FromLSN (changes with LSN > FromLSN) when HasFromLSN, else
	// after Slot's confirmed LSN when Slot is set, else the end of the log.
	FromLSN    uint64
	HasFromLSN bool
	Slot       string
	// Snapshot: first every current row of Tables as op read, all at one
	// LSN (EndLSN of the snapshot's index N), then the changes of entries
	// after N. Not with HasFromLSN (22023); with Slot, the snapshot decides
	// the start and the slot is only held.
	Snapshot bool
	// Progress: while idle (and while only other tables change), at least
	// once a second a progress row with the subscription's position.
	Progress bool
	// PID is the subscriber's backend process id, shown while it holds
	// Slot (pg_replication_slots.active_pid, the 55006 error).
	PID int32
	// Filter, when set, further limits the tables delivered (with
	// AllTables: a replication stream's publications, read from each
	// Relation as of the change's catalog version).
	Filter func(*Relation) bool
	// Raw: changes carry only the stored form (Table, OldRow, NewRow,
	// Content), not the jsonb Key, Before and After an encoder of the
	// stored form does not need.
	Raw bool
}

// Subscription is one consumer's cursor over the feed. Next and Fetch are
// called by one goroutine at a time; Close must not run concurrently with
// them (cancel their context to end a wait, then Close).
type Subscription struct {
	f   *Feed
	req Request

	tables   map[string]bool // qualified names
	prefixes map[string]bool
	slot     string // held in f.active
	closed   bool

	// snapshot rows, until exhausted
	snapTxn    *kv.Txn
	snapSpaces []kv.Space
	snapIter   *kv.Iterator
	snapSchema *schema
	snapLSN    uint64

	// the log cursor
	pos       uint64  // next entry index to read
	after     uint64  // deliver only LSNs above it (the start position)
	sch       *schema // in force after entry pos-1
	schStale  bool    // sch must be read again before entry pos
	batch     []raftlog.Entry
	failed    []uint64
	ent       entryState
	lastEmit  time.Time
	delivered uint64 // LSN of the last change returned
	scratch   []types.Datum
}

// entryState is the entry being delivered.
type entryState struct {
	index   uint64
	cmd     *kv.Command // nil: none
	applied bool
	prev    *schema     // schema before the entry (it changed the catalog)
	tr      []*relation // tables the entry truncated (decode.go's truncated)
	t, w, m int         // next truncate, next write, next message
	seq     uint32
	time    time.Time
	peek    *Change // looked ahead, not yet returned
	err     error   // met while looking ahead
}

// Subscribe starts a subscription. Errors: 22023 for contradictory
// options, 42P01 for an unknown table, 42704 / 55000 / 55006 for a missing,
// lost or busy slot, 55000 naming the earliest retained LSN when the start
// is older than the log retains.
func (f *Feed) Subscribe(ctx context.Context, req Request) (*Subscription, error) {
	select {
	case <-f.done:
		return nil, ErrClosed
	default:
	}
	if req.Snapshot && req.HasFromLSN {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "SNAPSHOT cannot be combined with FROM_LSN")
	}
	s := &Subscription{f: f, req: req, tables: make(map[string]bool), prefixes: make(map[string]bool), lastEmit: time.Now()}
	for _, t := range req.Tables {
		s.tables[qualify(t)] = true
	}
	for _, p := range req.MessagePrefixes {
		s.prefixes[p] = true
	}
	var slot Slot
	if req.Slot != "" {
		var err error
		if slot, err = f.acquireSlot(req.Slot, req.Database, req.PID); err != nil {
			return nil, err
		}
		s.slot = req.Slot
	}
	f.subscribers.Add(1) // Close takes it back
	if err := s.start(slot); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func qualify(name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	return "public." + name
}

// acquireSlot reads the slot and marks it active for pid.
func (f *Feed) acquireSlot(name string, db uint32, pid int32) (Slot, error) {
	txn, err := f.cfg.Store.Begin()
	if err != nil {
		return Slot{}, err
	}
	slot, ok, err := f.Slot(txn, name)
	txn.Release()
	switch {
	case err != nil:
		return Slot{}, err
	case !ok:
		return Slot{}, errNoSlot(name)
	case slot.Lost:
		return Slot{}, errSlotLost(name)
	case slot.Database != db:
		return Slot{}, ErrSlotOtherDatabase(name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if pid, ok := f.active[name]; ok {
		return Slot{}, errSlotActive(name, pid)
	}
	f.active[name] = pid
	return slot, nil
}

func (s *Subscription) start(slot Slot) error {
	f := s.f
	applied := f.cfg.Store.AppliedIndex()
	switch {
	case s.req.Snapshot:
		txn, err := f.cfg.Store.Begin()
		if err != nil {
			return err
		}
		s.snapTxn = txn
		n := txn.SnapshotIndex()
		s.pos, s.after, s.snapLSN = n+1, EndLSN(n), EndLSN(n)
	case s.req.HasFromLSN:
		s.after = s.req.FromLSN
		s.pos = max(IndexOf(s.after), 1)
		if SeqOf(s.after) == MaxSeq {
			s.pos = IndexOf(s.after) + 1
		}
	case s.req.Slot != "":
		s.after = slot.ConfirmedLSN
		s.pos = max(IndexOf(s.after), 1)
		if SeqOf(s.after) == MaxSeq {
			s.pos = IndexOf(s.after) + 1
		}
	default:
		s.pos, s.after = applied+1, EndLSN(applied)
	}
	if first := f.cfg.Log.FirstIndex(); s.pos < first && s.pos <= applied {
		what := "FROM_LSN " + FormatLSN(s.after)
		if !s.req.HasFromLSN && s.req.Slot != "" {
			what = fmt.Sprintf("replication slot %q", s.req.Slot)
		}
		return f.retentionError(what, s.after)
	}
	// A start beyond the applied index: the schema is read again when the
	// first entry arrives (DDL may commit before it). The snapshot reads
	// its catalog through its own transaction: bbolt must not see this
	// goroutine open a second read transaction while one is open.
	s.schStale = s.pos-1 > applied
	var sch *schema
	var err error
	if s.snapTxn != nil {
		sch, err = f.schemaOf(s.snapTxn)
	} else {
		sch, err = f.schemaAt(min(s.pos-1, applied))
	}
	if err != nil {
		return err
	}
	s.sch = sch
	if len(s.tables) > 0 {
		now := sch
		if s.pos-1 < applied && s.snapTxn == nil {
			if now, err = f.schemaAt(applied); err != nil {
				return err
			}
		}
		for t := range s.tables {
			if _, ok := sch.names[nameKey(s.req.Database, t)]; !ok {
				if _, ok := now.names[nameKey(s.req.Database, t)]; !ok {
					return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", strings.TrimPrefix(t, "public."))
				}
			}
		}
	}
	if s.snapTxn != nil {
		s.snapSchema = sch
		for sp, r := range sch.spaces {
			if s.wantsTable(r) {
				s.snapSpaces = append(s.snapSpaces, sp)
			}
		}
		slices.SortFunc(s.snapSpaces, func(a, b kv.Space) int { return strings.Compare(sch.spaces[a].qualified, sch.spaces[b].qualified) })
		if len(s.snapSpaces) == 0 {
			s.endSnapshot()
		}
	}
	return nil
}

func (s *Subscription) wantsTable(r *relation) bool {
	if r.Database != s.req.Database {
		return false // another database's table
	}
	if s.req.AllTables && strings.HasPrefix(r.Schema, "pg_temp_") {
		return false // a session's temporary table: not in "all tables"
	}
	return (s.req.AllTables || s.tables[r.qualified] || s.wantsAncestor(r)) && (s.req.Filter == nil || s.req.Filter(r.Relation))
}

// wantsAncestor reports whether r is a partition of a table subscribed to.
func (s *Subscription) wantsAncestor(r *relation) bool {
	for _, a := range r.Ancestors {
		if s.tables[a] {
			return true
		}
	}
	return false
}

func (s *Subscription) wantsMessage(m *kv.Message) bool {
	return m.Database == s.req.Database && (s.req.AllMessages || s.prefixes[m.Prefix])
}

// ErrSlotOtherDatabase is PostgreSQL's error for decoding with a slot of
// another database (55000).
func ErrSlotOtherDatabase(name string) error {
	return pgerror.New(pgerror.ObjectNotInPrerequisiteState, "replication slot \"%s\" was not created in this database", name)
}

// Close ends the subscription and releases its slot and snapshot. Safe to
// call more than once.
func (s *Subscription) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.f.subscribers.Add(-1)
	s.endSnapshot()
	s.batch, s.ent = nil, entryState{}
	if s.slot != "" {
		s.f.mu.Lock()
		delete(s.f.active, s.slot)
		s.f.mu.Unlock()
	}
}

func (s *Subscription) endSnapshot() {
	if s.snapIter != nil {
		s.snapIter.Close()
		s.snapIter = nil
	}
	if s.snapTxn != nil {
		s.snapTxn.Release()
		s.snapTxn = nil
	}
	s.snapSpaces, s.snapSchema = nil, nil
}

// Position returns the subscription's position: every change at or below
// it has been returned (or filtered out). Resuming from it (FromLSN, or a
// slot advanced to it) misses nothing and repeats nothing.
//
// During a snapshot it is the snapshot's LSN: resuming from it skips the
// snapshot rows not yet read (start a new snapshot instead).
func (s *Subscription) Position() uint64 {
	p := max(s.after, s.delivered)
	if s.ent.cmd == nil {
		p = max(p, EndLSN(s.pos-1))
	}
	return p
}

// Next returns the next change, waiting for one as long as ctx allows
// (ctx's error is returned then). With Progress, an idle wait returns a
// progress row at least once a second. After an error other than ctx's,
// the subscription is unusable: Close it.
func (s *Subscription) Next(ctx context.Context) (Change, error) {
	c, err := s.next(ctx, true)
	if err == nil {
		s.f.delivered.Add(1)
	}
	return c, err
}

// Fetch returns up to max changes: it waits at most timeout for the first
// (returning none, and no error, when none came; timeout < 0 waits for at
// least one, as long as ctx allows), then takes only those already
// committed, without waiting.
func (s *Subscription) Fetch(ctx context.Context, max int, timeout time.Duration) ([]Change, error) {
	if max <= 0 {
		return nil, nil
	}
	wctx := ctx
	if timeout >= 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	c, err := s.next(wctx, true)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, nil
		}
		return nil, err
	}
	out := []Change{c}
	for len(out) < max {
		c, err := s.next(ctx, false)
		if err == errWouldWait {
			break
		}
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	s.f.delivered.Add(uint64(len(out)))
	return out, nil
}

var errWouldWait = errors.New("changefeed: would wait")

func (s *Subscription) next(ctx context.Context, wait bool) (Change, error) {
	if s.closed {
		return Change{}, ErrClosed
	}
	if s.snapTxn != nil {
		if c, ok, err := s.nextSnapshotRow(); err != nil || ok {
			return c, err
		}
	}
	f := s.f
	called := time.Now()
	for {
		if s.ent.cmd != nil {
			c, ok, err := s.nextWithLookahead()
			if err != nil || ok {
				if ok {
					s.lastEmit = time.Now()
					s.delivered = c.LSN
				}
				return c, err
			}
			s.ent = entryState{}
		}
		// Busy with entries nothing of which is wanted: progress too.
		if s.req.Progress && time.Since(called) >= time.Second && time.Since(s.lastEmit) >= time.Second {
			return s.progress(), nil
		}
		if len(s.batch) > 0 {
			if err := s.loadEntry(); err != nil {
				return Change{}, err
			}
			continue
		}
		notify := f.cfg.Store.AppliedNotify()
		if applied := f.cfg.Store.AppliedIndex(); applied >= s.pos {
			if err := s.readBatch(applied); err != nil {
				return Change{}, err
			}
			continue
		}
		if !wait {
			return Change{}, errWouldWait
		}
		if err := s.wait(ctx, notify); err != nil {
			if err == errProgressDue {
				return s.progress(), nil
			}
			return Change{}, err
		}
	}
}

var errProgressDue = errors.New("changefeed: progress due")

// wait blocks until notify fires (the applied index moved), a progress row
// is due, ctx ends or the feed closes.
func (s *Subscription) wait(ctx context.Context, notify <-chan struct{}) error {
	var tick <-chan time.Time
	if s.req.Progress {
		t := time.NewTimer(time.Until(s.lastEmit.Add(time.Second)))
		defer t.Stop()
		tick = t.C
	}
	select {
	case <-notify:
		return nil
	case <-tick:
		return errProgressDue
	case <-ctx.Done():
		return ctx.Err()
	case <-s.f.done:
		return ErrClosed
	}
}

func (s *Subscription) progress() Change {
	s.lastEmit = time.Now()
	return Change{LSN: s.Position(), Op: OpProgress}
}

// readBatch reads the next entries, up to the applied index.
func (s *Subscription) readBatch(applied uint64) error {
	f := s.f
	hi := min(applied+1, s.pos+uint64(f.cfg.BatchEntries))
	ents, err := f.cfg.Log.Entries(s.pos, hi)
	if err != nil {
		if errors.Is(err, raftlog.ErrCompacted) {
			return f.retentionError("the subscription", s.Position())
		}
		return fmt.Errorf("changefeed: read log [%d, %d): %w", s.pos, hi, err)
	}
	if len(ents) == 0 || ents[0].Index != s.pos {
		return fmt.Errorf("changefeed: read log [%d, %d): got %d entries starting at %v", s.pos, hi, len(ents), firstIndexOf(ents))
	}
	failed, err := f.cfg.Store.Failed(s.pos, hi)
	if err != nil {
		return err
	}
	s.batch, s.failed = ents, failed
	return nil
}

func firstIndexOf(ents []raftlog.Entry) any {
	if len(ents) == 0 {
		return "none"
	}
	return ents[0].Index
}

// loadEntry takes the next entry of the batch as the current one.
func (s *Subscription) loadEntry() error {
	e := s.batch[0]
	s.batch[0] = raftlog.Entry{}
	s.batch = s.batch[1:]
	if len(s.batch) == 0 {
		s.batch = nil
	}
	s.pos = e.Index + 1
	if len(e.Data) == 0 {
		return nil
	}
	cmd, err := kv.DecodeCommand(e.Data)
	if err != nil {
		return fmt.Errorf("changefeed: entry %d: %w", e.Index, err)
	}
	if cmd.Kind != kv.KindTxn && cmd.Kind != kv.KindMessage {
		return nil
	}
	if s.schStale {
		if s.sch, err = s.f.schemaAt(e.Index - 1); err != nil {
			return err
		}
		s.schStale = false
	}
	applied := !containsSorted(s.failed, e.Index)
	if applied && cmd.Kind == kv.KindTxn {
		if err := s.f.mergeImages(e.Index, cmd); err != nil {
			return err
		}
	}
	st := entryState{index: e.Index, cmd: cmd, applied: applied, time: commitTime(cmd)}
	if applied && cmd.Kind == kv.KindTxn && writesCatalog(cmd) {
		st.prev = s.sch
		if s.sch, err = s.f.schemaAt(e.Index); err != nil {
			return err
		}
		st.tr = truncated(cmd, applied, s.sch, st.prev)
	}
	if IndexOf(s.after) > e.Index || EndLSN(e.Index) <= s.after {
		return nil // entirely at or before the start position
	}
	if len(cmd.Writes)+len(cmd.Messages) >= MaxSeq && countChanges(cmd, applied, s.sch, st.prev) >= MaxSeq {
		return errTooManyChanges(e.Index)
	}
	s.ent = st
	return nil
}

// nextWithLookahead returns the current entry's next wanted change, having
// looked one further to set LastInTxn.
func (s *Subscription) nextWithLookahead() (Change, bool, error) {
	st := &s.ent
	if st.err != nil {
		return Change{}, false, st.err
	}
	var c Change
	if st.peek != nil {
		c, st.peek = *st.peek, nil
	} else {
		var ok bool
		var err error
		if c, ok, err = s.nextInEntry(); err != nil || !ok {
			return c, ok, err
		}
	}
	n, ok, err := s.nextInEntry()
	switch {
	case err != nil:
		st.err = err // returned by the next call
	case ok:
		st.peek = &n
	default:
		c.LastInTxn = true
		c.TxnEnd = LSN(st.index, min(st.seq+1, MaxSeq)) // nextInEntry counted every change
	}
	return c, true, nil
}

// nextInEntry returns the current entry's next wanted change.
func (s *Subscription) nextInEntry() (Change, bool, error) {
	st := &s.ent
	c := st.cmd
	for st.t < len(st.tr) {
		r := st.tr[st.t]
		st.t++
		st.seq++
		lsn := LSN(st.index, st.seq)
		if lsn <= s.after || !s.wantsTable(r) {
			continue
		}
		return Change{LSN: lsn, XID: st.index, Op: OpTruncate, Relation: r.qualified, CommitTime: st.time, Table: r.Relation}, true, nil
	}
	if c.Kind == kv.KindTxn && st.applied {
		for st.w < len(c.Writes) {
			w := &c.Writes[st.w]
			st.w++
			if !isChange(w) {
				continue
			}
			r := relationFor(s.sch, st.prev, w.Space)
			if r == nil {
				continue
			}
			st.seq++
			lsn := LSN(st.index, st.seq)
			if lsn <= s.after || !s.wantsTable(r) {
				continue
			}
			ch := Change{LSN: lsn, XID: st.index, Relation: r.qualified, CommitTime: st.time,
				Table: r.Relation, OldRow: w.Before, NewRow: w.Value}
			if s.req.Raw {
				switch {
				case w.Delete:
					ch.Op = OpDelete
				case w.Before == nil:
					ch.Op = OpInsert
				default:
					ch.Op = OpUpdate
				}
				return ch, true, nil
			}
			var err error
			switch {
			case w.Delete:
				ch.Op = OpDelete
				ch.Before, ch.Key, err = r.render(w.Before, w.Key, true, &s.scratch)
			case w.Before == nil:
				ch.Op = OpInsert
				ch.After, ch.Key, err = r.render(w.Value, w.Key, true, &s.scratch)
			default:
				ch.Op = OpUpdate
				if ch.Before, _, err = r.render(w.Before, nil, false, &s.scratch); err == nil {
					ch.After, ch.Key, err = r.render(w.Value, w.Key, true, &s.scratch)
				}
			}
			if err != nil {
				return Change{}, false, fmt.Errorf("changefeed: entry %d: %w", st.index, err)
			}
			return ch, true, nil
		}
	}
	for st.m < len(c.Messages) {
		i := st.m
		st.m++
		if !messageDelivered(c, st.applied, i) {
			continue
		}
		m := &c.Messages[i]
		st.seq++
		lsn := LSN(st.index, st.seq)
		if lsn <= s.after || !s.wantsMessage(m) {
			continue
		}
		c := Change{LSN: lsn, XID: st.index, Op: OpMessage, Relation: m.Prefix, CommitTime: st.time,
			Content: m.Content, Transactional: m.Transactional}
		if !s.req.Raw {
			c.After = messageJSON(m.Content)
		}
		return c, true, nil
	}
	return Change{}, false, nil
}

// nextSnapshotRow returns the next read row, ending the snapshot (and
// releasing its kv transaction) after the last.
func (s *Subscription) nextSnapshotRow() (Change, bool, error) {
	for {
		if s.snapIter == nil {
			if len(s.snapSpaces) == 0 {
				s.endSnapshot()
				return Change{}, false, nil
			}
			s.snapIter = s.snapTxn.Scan(s.snapSpaces[0], nil, nil, false)
		}
		r := s.snapSchema.spaces[s.snapSpaces[0]]
		if s.snapIter.Next() {
			after, key, err := r.render(s.snapIter.Value(), s.snapIter.Key(), true, &s.scratch)
			if err != nil {
				return Change{}, false, err
			}
			return Change{LSN: s.snapLSN, Op: OpRead, Relation: r.qualified, Key: key, After: after,
				Table: r.Relation, NewRow: s.snapIter.Value()}, true, nil
		}
		if err := s.snapIter.Err(); err != nil {
			return Change{}, false, err
		}
		s.snapIter.Close()
		s.snapIter = nil
		s.snapSpaces = s.snapSpaces[1:]
	}
}

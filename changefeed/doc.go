// Package changefeed serves logdb's change stream straight from the
// retained raft log: change rows (lsn, xid, op, relation, key, before,
// after, commit_time) for SUBSCRIBE, cursors, durable slots, the retention
// policy, and the COPY text encoding. It reads; it never writes the log
// (slots are written by the caller's kv transactions).
//
// # Wiring (cmd/logdb) and the SQL surface
//
//	feed, err := changefeed.New(changefeed.Config{Log: node /* *raftlog.Node */, Store: store,
//		Decoder: sql.ChangefeedDecoder(), Logger: logger, Retention: …, MaxSlotRetention: …})
//	defer feed.Close() // before store.Close
//
//	SUBSCRIBE … / DECLARE c CURSOR FOR SUBSCRIBE …  Feed.Subscribe(ctx, Request{…})
//	COPY (SUBSCRIBE …) TO STDOUT                      loop Next(ctx); AppendText(buf, c) per CopyData
//	FETCH n c [WITH (timeout = …)]                    Fetch(ctx, n, timeout or -1); CLOSE c: Close()
//	result columns                                    Columns; Change.Datums() for a row
//	pg_current_wal_lsn()                              Feed.CurrentLSN()
//	pg_logical_emit_message(true, p, c)               kv.Txn.Emit; its LSN after commit: Feed.MessageLSN(index, k)
//	pg_logical_emit_message(false, p, c)              propose a kv.KindMessage command at once
//	slot functions, pg_replication_slots              see Slots below
//
// # Positions (lsn.go)
//
// A change's LSN is LSN(index, seq) = raft index << 24 | seq, seq = 1, 2, …
// numbering the changes of that entry in order: first the tables it
// truncated (op truncate, in statement order), then its row changes (in
// kv Command.Writes order, i.e. first-write order, i.e. statement order),
// then its messages in emit order. Messages therefore come after the row
// changes of their transaction, whatever the order of the statements that
// made them (the kv command does not record the interleaving). seq counts
// every change of the entry, wanted by a subscription or not, so LSNs are
// the same for every subscriber and on every replica. An entry may carry at
// most MaxSeq-1 changes (16,777,214): sql must refuse to commit more (a
// larger entry fails the subscriptions that reach it with 54000).
//
// EndLSN(index) = index<<24 | 0xFFFFFF is the position after every change
// of index: snapshot rows (op read) and progress rows carry such positions,
// and resuming from one starts at entry index+1. The XID of a change is its
// entry's index (0 for read and progress rows, printed NULL). LSNs print
// as PostgreSQL X/Y (FormatLSN, types.LSN).
//
// # What is a change
//
// An entry is read only once applied on this node. It contributes:
//
//   - KindTxn that applied (kv.Store.Failed does not list it): each write
//     to a space that the catalog of its time maps to a table is a change:
//     insert (Put without a before image), update (Put with one; before and
//     after are whole rows), delete (Delete with a before image; a delete of
//     a key that did not exist is none). An update that changes the primary
//     key is, in kv, a delete of the old key and a put of the new one: it
//     appears as delete + insert. Writes to other spaces (indexes, catalog,
//     sequences, slots) are none. Then its messages.
//   - KindTxn that failed (ErrConflict, …): nothing, except messages marked
//     non-transactional (sql should rather propose those as KindMessage at
//     once, so they are delivered even when the transaction rolls back).
//   - KindMessage: its messages (delivered always, PostgreSQL's semantics).
//   - KindIncrement, raft no-ops: nothing.
//
// kv keeps one write per key per transaction (its first-write position,
// the value before the transaction, the last value), so a row changed
// several times in one transaction appears once, from its state before the
// transaction to its state after: insert then update is one insert,
// update then delete one delete, insert then delete nothing.
//
// A merge write (kv Write.Merge: sql's UPDATE … SET n = n + $1 WHERE pk =
// $2) holds only its operand in the log; it is an update whose before and
// after rows are the ones kv computed when it applied (kv.Store.MergeImages,
// recorded with the entry), so it reads like any other update.
//
// TRUNCATE (kv.Txn.DropSpace of a table's space, the table keeping its OID
// with a new space) is one change per table, op truncate, with no row: the
// rows it removes are not in the log. DROP TABLE produces no change. (Before
// this, truncates were not counted: an LSN saved inside an entry holding a
// TRUNCATE by an older version points a few changes off.) ADD COLUMN …
// DEFAULT, which sql implements by
// rewriting every row in the same transaction, appears as an update of each
// row.
//
// # Schema at the change's time; the Decoder sql implements
//
// Rows are decoded with the catalog as of the change's entry: kv records
// every version of every CatalogSpace key (kv.Store.CatalogAt). An entry
// that changes the catalog is decoded with the catalog after it (CREATE
// TABLE + INSERT in one transaction works), falling back to the catalog
// before it for spaces the new one no longer has (a transaction that
// writes rows of a table and removes its descriptor). The Feed caches one prepared
// schema per catalog version.
//
// sql implements Decoder.Relations(cat): unmarshal the "t/<oid>" keys of
// cat.Keys (its tableDesc JSON) and return, per table, keyed by its Space:
//
//	&changefeed.Relation{
//		OID: t.OID, Database: <its database's OID>, Schema: "public", Name: t.Name,
//		Columns:     []types.RowColumn{{ID: c.ID, T: c.Type}, …}, // every column, table order
//		ColumnNames: []string{c.Name, …},
//		KeyColumns:  t.pkIdx, // positions of the PK columns in key order; nil: hidden row id
//	}
//
// cat.Keys holds every database's catalog (sql prefixes all but logdb's
// keys with its database), so Relations returns the tables of every
// database; table spaces are unique across the cluster. A Request names
// its Database: it sees only that database's tables (Relation.Database),
// resolves Tables among them, and only the messages emitted in it
// (kv.Message.Database); a Publication publishes only its own database's
// tables; a Slot belongs to one database (Slot.Database) and a Request of
// another that names it fails with 55000 (ErrSlotOtherDatabase). Database
// 0 is the default one (sql's logdb): entries, slots and catalog keys
// written before databases carry no database and read as 0.
//
// It must not keep cat.Keys, and is called from any goroutine. Rows are
// decoded with types.DecodeRow and rendered as to_jsonb(row) prints them
// (jsonb key order: shorter names first, then bytewise — {"id": 1, "sku":
// "a", "total": 9.50}); checked against PostgreSQL 15 in
// TestRenderMatchesPostgres. key is the JSON object of the primary key
// columns; for a table without one it is {"rowid": <hidden row id>}
// (RowIDColumn).
//
// # Subscriptions (subscribe.go)
//
// Feed.Subscribe(ctx, Request) starts a cursor; Subscription.Next blocks
// for the next change; Fetch(max, timeout) serves FETCH n … WITH (timeout);
// Close releases it (always call it: it frees the slot). The start is:
//
//	FromLSN (HasFromLSN)  changes with LSN > FromLSN (may be mid-transaction)
//	Slot                  changes with LSN > the slot's ConfirmedLSN
//	Snapshot              every current row of the tables as op read at
//	                      EndLSN(N), N the kv snapshot's index, then the
//	                      changes of entries > N: no gap, no duplicate
//	none                  the end of the log: only changes applied later
//
// A position older than the log retains fails with 55000 whose message
// names the earliest retained LSN (also when truncation overtakes a lagging
// subscription): never a silent gap. A slot that is missing gives 42704,
// lost 55000, used by another open subscription 55006; an unknown table
// 42P01; SNAPSHOT with FROM_LSN 22023. With Progress, a progress row
// (op progress, LSN = Subscription.Position()) comes at least once a second
// while nothing is delivered. Position() is always a correct resume point.
//
// Tailing: a subscription reads applied entries with LogReader.Entries in
// batches of Config.BatchEntries (default 64), and waits on
// kv.Store.AppliedNotify — one channel shared by every waiter, closed on
// each apply, so there is no polling. Memory per subscription is one batch
// of entries (plus, with Snapshot, an open kv read transaction until its
// rows are consumed); a slow consumer only falls behind, and catches up
// from the log on disk. Changes are decoded only for the tables the
// subscription wants.
//
// Each Change also carries LastInTxn (no further change of its entry comes
// to this subscription: a transaction's end is known without waiting for
// the next) and, for encoders needing typed values, Table, OldRow, NewRow
// and Content (the stored form).
//
// # pgoutput (pgoutput.go)
//
// AppendBegin, AppendRelation, AppendChange, AppendMessage and AppendCommit
// build protocol-version-1 pgoutput messages from Changes (checked by
// parsing them with pglogrepl). A transaction's commit_lsn is
// CommitLSN(index) = EndLSN(index), its end_lsn TxnEndLSN(index) =
// LSN(index+1, 0); replica identity is full, old rows are always sent.
//
// # Slots (slot.go)
//
// A slot is a row in kv.SlotSpace: SlotKey(name) → EncodeSlot(Slot). sql's
// functions write them in ordinary transactions, so slot state is
// replicated, survives restarts and is the same on every node:
//
//	pg_create_logical_replication_slot(name, plugin)  Feed.CreateSlot(txn, …) → (slot_name, lsn=ConfirmedLSN)
//	pg_replication_slot_advance(name, lsn)             Feed.AdvanceSlot(txn, …) → (slot_name, end_lsn=ConfirmedLSN)
//	pg_drop_replication_slot(name)                     Feed.DropSlot(txn, name)
//	pg_replication_slots                               Feed.Slots(txn) + Feed.SlotActive(name);
//	                                                   wal_status = 'lost' if Lost else 'reserved'
//
// then commit the transaction. Exactly-once recipe: a consumer whose own
// data lives in logdb subscribes with its slot, and for each batch of
// changes runs ONE transaction that applies their effects and calls
// pg_replication_slot_advance(slot, last LSN of the batch). Both commit or
// neither does; after a crash it resubscribes with the slot and gets
// exactly the changes after the last committed batch.
//
// # Retention (retention.go)
//
// Feed.RetentionFloor(now) computes the policy (Config.Retention, slots
// holding the log, capped by Config.MaxSlotRetention, lost slots); the
// caller marks lost slots (MarkSlotsLost, committed), then truncates the
// log (raftlog.Node.TruncateFront) and kv's history (Store.PruneHistory).
//
// # Concurrency
//
// bbolt can deadlock a goroutine that opens a read transaction while it
// holds another one (when the file is being grown). So Feed.Subscribe,
// Subscription.Next and Fetch, MessageLSN and RetentionFloor — which read
// kv's history — must be called with no kv.Txn open on the calling
// goroutine (sql: release the session's snapshot before a FETCH waits).
// CurrentLSN and the slot functions are safe inside a transaction.
//
// Feed.Stats (open subscriptions, changes delivered) is for metrics.
// Feed's methods are safe for concurrent use. A Subscription is used by one
// goroutine at a time; to stop a blocked Next or Fetch, cancel its context
// (Feed.Close ends every wait with ErrClosed). Returned Changes own their
// byte slices.
package changefeed

// Package replication serves PostgreSQL's logical replication protocol
// from logdb's log: the replication commands a replication=database
// connection sends (command.go), the output plugins pgoutput and
// test_decoding (plugin.go; their encoders live in package changefeed,
// beside the decoder they share with SUBSCRIBE), and the walsender loop of
// START_REPLICATION (walsender.go, feedback.go).
//
// # Who calls what
//
// pgwire owns the connection. On a replication=database connection, a
// simple Query that IsCommand recognizes is handed to Parse; pgwire runs
// the command against its session (package sql implements the slot,
// snapshot and system-identifier operations) and, for
// START_REPLICATION, builds a Stream:
//
//	sub := feed.Subscribe(ctx, Request{AllTables, AllMessages, Slot, FromLSN, Progress: true})
//	st := &Stream{Conn: <the connection>, Sub: sub, Plugin: NewPlugin(slot.Plugin, options, exists),
//		Start: max(client LSN, slot's confirmed LSN), Confirm: <advance the slot through the log>}
//	err := st.Run(ctx)   // nil after the client's CopyDone; ErrStreamBroken: close the connection
//
// # Positions (what a client may rely on)
//
// A transaction is one log entry i with n changes at LSN(i, 1…n). Its
// commit position is Change.TxnEnd = LSN(i, n+1): the XLogData header of
// its Commit (test_decoding's COMMIT line, pgoutput's Commit message) and
// what pg_current_wal_lsn() returns once it is the latest transaction. A
// pgoutput Commit's end_lsn is LSN(i+1, 0). START_REPLICATION at X
// (or the slot's confirmed position, whichever is later) sends, whole,
// every transaction whose commit position is above X, as PostgreSQL sends
// every transaction that commits after X: a client that confirms a
// Commit's header or end_lsn never gets that transaction again; one that
// confirmed a position inside a transaction gets all of it again.
// Keepalives carry the position up to which everything was sent (also
// while the transactions flowing by are not published to this stream), so
// an idle client can confirm past them.
//
// # Feedback
//
// A standby status update's flush position is recorded in the slot (an
// ordinary slot write through the log, pg_replication_slot_advance) by a
// goroutine of the stream's own, one proposal at a time with the latest
// position: the slot is the same on every node, so a client whose node
// dies reconnects to another one and resumes. The last reported position
// is recorded before Run returns. A keepalive asks for a reply when the
// client has been silent for half of Timeout (wal_sender_timeout, 60 s);
// after Timeout the stream ends.
//
// # Differences from PostgreSQL
//
// No physical replication (BASE_BACKUP, PHYSICAL slots and streams:
// 0A000). An exported snapshot (kv.SharedSnapshot) lives until the
// exporting connection's next command, as in PostgreSQL; it holds a bbolt
// read transaction meanwhile. A temporary slot is written through the log like any slot and dropped
// when its session ends; a node that crashes leaves it behind. An UPDATE
// that changes a row's primary key is carried as a DELETE and an INSERT. A
// row changed several times in one transaction appears once, with its
// state before and after the transaction. A TRUNCATE reaches the stream
// without its CASCADE / RESTART IDENTITY flags (the log does not record
// them). A transaction with no change for the stream is never sent:
// test_decoding behaves as with skip-empty-xacts whatever the option says
// (DDL-only transactions print nothing), as pgoutput does in PostgreSQL
// 15. Streaming of in-progress transactions and two-phase commit
// are accepted as options and never used: only committed transactions are
// in the log.
package replication

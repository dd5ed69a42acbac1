// Package notify is LISTEN/NOTIFY across a logdb cluster: notifications
// travel in their transaction's log entry and every node delivers them to
// its own listening sessions when it applies that entry.
//
// # Path of a notification
//
//	NOTIFY ch, 'p' / pg_notify('ch', 'p')   Pending.Notify: checked (22023, 54000),
//	                                        collapsed with an equal (channel, payload)
//	                                        of the same transaction, kept in order
//	COMMIT                                  the transaction's kv.Command carries them
//	                                        (Command.Notifications, format V3); a
//	                                        transaction with nothing else to write
//	                                        proposes a command with no reads or writes
//	every node applies the entry            cmd/logdb's state machine calls
//	                                        Registry.Applied after kv.Store.Apply, on
//	                                        the apply goroutine, in log order
//	Registry.Deliver                        each listener of the channel on this node
//	                                        gets it (pgwire queues it for its client)
//
// So a notification reaches the listeners of every node (leader and
// followers alike) when that node applies the entry: in commit order, each
// once, never for a transaction that rolled back or whose entry did not
// apply (40001 at COMMIT: Result.Err non-nil). A transaction that only
// notifies still goes through the log — it is a write for this purpose,
// allowed in READ ONLY transactions as in PostgreSQL — but it reads
// nothing, so it never fails with 40001. The committing session's node
// applies the entry before COMMIT returns, so a session that listens to its
// own channel has its notification queued before COMMIT's ReadyForQuery,
// as in PostgreSQL.
//
// The NotificationResponse carries the notifying session's backend pid,
// whichever node it ran on; sql gives the sessions of different nodes
// different pids (the node id is in their bits from 2^22 up), so a client
// that tells its own notifications by pid is not misled by another node's.
//
// # LISTEN and UNLISTEN
//
// As in PostgreSQL they take effect when their transaction commits (a
// rolled-back LISTEN never listened; pg_listening_channels() shows the
// committed set, in LISTEN order) and ROLLBACK TO SAVEPOINT undoes those
// after the savepoint, with the savepoint's notifications. They are
// local to the node: nothing of a LISTEN goes through the log. A
// transaction's LISTENs are registered before its entry is proposed, so
// its own notifications reach it; if the commit then fails they are
// undone. A notification is delivered to the sessions listening when the
// entry is applied on their node. DISCARD ALL includes UNLISTEN *.
//
// # Limits
//
//   - a channel name is 1 to 63 bytes (22023 "channel name cannot be
//     empty" / "channel name too long"; the NOTIFY statement's identifier is
//     truncated to 63 by the parser, as PostgreSQL's is);
//   - a payload is at most 7,999 bytes (22023 "payload string too long":
//     PostgreSQL's limit of 8,000 counts the terminating zero byte);
//   - a transaction has at most MaxPerTxn (100,000) distinct notifications
//     and MaxBytesPerTxn (16 MiB) of channels and payloads
//     (54000 "too many notifications in one transaction"), so one entry of
//     notifications stays far below --max-txn-bytes and its delivery does
//     not hold up the apply goroutine;
//   - pgwire bounds what waits for a client that does not read (see
//     pgwire/notify.go): beyond it the oldest are dropped, with a warning.
//
// The log's decoder checks only the structure of the notifications section,
// not these limits: they are the sessions' to enforce, and a later build
// may change them without an older one refusing the log.
//
// # Not delivered
//
// A node that catches up by a raft snapshot (a follower too far behind the
// leader's retained log) does not deliver the notifications of the entries
// the snapshot covers: it never applies them. Replaying entries after an
// operating-system crash delivers them again to whoever listens then.
//
// # Concurrency
//
// A Registry is safe for concurrent use. Deliver and Applied are called
// from one goroutine (the apply goroutine), which is what orders the
// notifications; a listener's deliver function is called with the
// registry's read lock held and must not block nor call the registry.
// A Pending belongs to its transaction's goroutine. A Listener is used by
// its session's goroutine (and by Deliver, under the registry's lock).
package notify

// Package locks is logdb's cluster-wide lock table: PostgreSQL's advisory
// locks and row locks (see "Row locks" below) taken through
// any node and seen through every other, decided identically on every
// replica.
//
// # The design: a lock is a replicated fact
//
// Every request, release and cancellation is a log entry (kv.KindLock,
// command format 4, its payload an Op). Apply decides it: the lock table
// lives in kv.LockSpace, changed only by Apply (the kv.LockFunc cmd/logdb
// passes to kv.Open) inside the batch's bbolt transaction, so
//
//  1. every replica holds the same table (grants, queues and deadlock
//     checks are a pure function of the table and the entry), and the
//     state hash covers it (a diverged lock table is reported like any
//     diverged row);
//  2. a raft snapshot carries it, a restart keeps it (state.db), and a
//     backup holds it (restored nodes register new incarnations, which
//     release the old owners' locks);
//  3. the requester waits for its entry's apply on its own node, one
//     quorum round trip, as for a commit: the outcome (Outcome) comes back
//     in kv.Result.Lock. A request that must wait is queued; a later entry
//     (a release, a commit, a node gone) grants it, and every node's Local
//     wakes its own waiters when it applies that entry (Local.Applied,
//     called by cmd/logdb's state machine after kv.Store.Apply).
//
// The alternative, a lock table in the leader's memory, answers without
// the log but loses every lock at a leader change, and its grants are not
// ordered with the commits they protect; here a lock's release and the
// commit it guarded are ordered in one log, so the next holder's
// linearizable read (ReadIndex) sees what the previous holder committed.
// The cost is an entry per lock and per unlock (a quorum fsync each,
// group-committed with everything else); transaction-level locks are
// released by their transaction's commit entry (Commit in Command.LockOp)
// at no extra cost when it writes.
//
// # Owners and incarnations
//
// An Owner is a session: its node, the node's incarnation and its backend
// pid. Locks of one owner never conflict with each other; a hold counts
// session-level and transaction-level acquisitions separately, both
// re-entrant, as PostgreSQL's. An incarnation is one process lifetime:
// each start proposes NodeStart(node, new incarnation) before its
// sessions may take locks, and its apply releases every lock of the
// node's earlier incarnations (so a crash loses nothing but the dead
// process's locks). A node that stays unreachable is "known gone" when
// the leader has had no answer from it for cmd/logdb's lockNodeGoneAfter
// (10 s, ten to twenty election timeouts): the leader proposes
// NodeGone(node, incarnation), which releases that incarnation's locks; it
// does so at once for a registered node that is no member (removed, or of
// the cluster a restored backup came from). If the node was
// alive after all (a partition), its sessions that held locks get 55000
// at their next statement, a commit of theirs (which carries the lock op
// whenever the session holds locks) is refused with 55000 — it must not
// commit after losing its locks — and the
// node registers a new incarnation. An op of an owner whose incarnation
// is not current is refused (StatusLost).
//
// # Grants, queues, deadlocks
//
// A request is granted when no other owner holds a conflicting mode and
// no other owner's conflicting request is queued before it (so shared
// requests do not starve a queued exclusive one) — unless the requester
// already holds the lock in some mode, when only holders count. Else,
// with wait, it is queued (FIFO); without, StatusNotAvailable. Before
// queuing, the waits-for graph is walked from the request's blockers
// (through each blocker's own wait, 'w' keys); a path back to the
// requester is a deadlock and the request fails (StatusDeadlock, 40P01).
// PostgreSQL instead checks after deadlock_timeout (1 s) and fails the
// waiter whose timer fires first; logdb fails the request that closes the
// cycle, at once. Every release grants, in queue order, the waiters
// nothing blocks any more. Cancel(req) withdraws a wait — or, when the
// grant crossed the cancellation in the log, undoes that grant — so a
// statement interrupted by cancel, statement_timeout or lock_timeout
// never leaves a lock behind.
//
// # Limits
//
// MaxLocksPerOwner (10,000 distinct locks held or awaited by one session,
// row locks included) and MaxLocks (1,000,000 in the cluster's table)
// give StatusTooMany, which
// sql reports as PostgreSQL does: 53200 "out of shared memory". A tag is
// at most MaxTagSize bytes (a row whose key is longer is locked by its
// key's SHA-256); an AcquireRows op holds at most MaxRowsPerOp rows. Waiters are bounded by sessions (a session
// waits for one lock at a time). The limits are constants of the apply
// function: changing them is a change of the log's meaning, made like a
// format change.
//
// # Row locks
//
// SELECT … FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE | FOR KEY SHARE
// locks a row as the tag RowTag(space, primary key) in one of the four
// tuple modes (Conflicts: PostgreSQL's table). They are
// transaction-level holds, so the commit's entry (or the rollback's
// ReleaseAll) ends them, and ROLLBACK TO SAVEPOINT gives back those taken
// after the savepoint (ReleaseRows), as PostgreSQL's subtransaction abort
// does. rows.go adds:
//
//  1. AcquireRows: many rows in one entry, in order — "the first n free
//     of these candidates" for ORDER BY … LIMIT n FOR UPDATE SKIP LOCKED
//     (one quorum round trip), every row for a plain FOR UPDATE (queued at
//     the first row another owner holds: the waiter's next op goes on from
//     there), NOWAIT as a request that stops at the first such row.
//  2. The snapshot check, at apply: with check set (SERIALIZABLE) a row
//     is locked only if its stored version (kv.LockState.Version) is at
//     most the locker's snapshot index; else SKIP LOCKED passes over it
//     and the others stop with StatusChanged (sql: 40001 "could not
//     serialize access due to concurrent update"). A row granted later,
//     to a waiter, is checked by the waiter on its node's applied state
//     after the grant: once held it cannot change under the holder. So a
//     locked row's snapshot version is its latest committed one, and the
//     locker needs no new snapshot. REPEATABLE READ locks the same way
//     (StatusChanged is its 40001); READ COMMITTED locks without check
//     (except SKIP LOCKED) and compares versions after the grant, on its
//     node: a changed row, or a wait, makes sql run the statement again
//     on a new snapshot, the locks kept (sql/isolation.go).
//  3. The read set: sql does not record a locking read's scan of the
//     locked tables (kv.Txn.SuppressReads) and records only the rows it
//     locked (kv.Txn.RecordRead). A worker's scan for a free job thus does
//     not fail its commit when other workers take other jobs — the job
//     queue's case — at the price of phantoms on the locked table going
//     unnoticed for that statement (README, Differences).
//  4. RowBlocked: at SERIALIZABLE, UPDATE and DELETE read the applied
//     table and, when another owner holds or awaits the row in a
//     conflicting mode, take
//     the lock (waiting their turn) before writing; they take no lock
//     otherwise (no entry for a row nobody locks). A writer whose check
//     raced with a locker's grant is caught by validation: the locker
//     recorded the row it locked, so one of the two fails with 40001.
//     READ COMMITTED and REPEATABLE READ lock every row they change, and
//     a foreign key check there locks the parent FOR KEY SHARE.
//
// A row lock request is a KindLock command with the locker's snapshot in
// SnapshotIndex, which kv encodes as command format 5: a build without
// row locks stops at it instead of answering it differently from its
// replicas (docs/operations.md: upgrade every node before using them).
//
// # Concurrency
//
// Apply runs on the apply goroutine (kv.Store.Apply's caller). A Local is
// safe for concurrent use: sessions call NewRequest/Done/Propose, the
// apply goroutine calls Applied.
package locks

package sql

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"logdb/sql/pgerror"
)

// notifyInbox collects a session's notifications as "channel:payload".
type notifyInbox struct {
	mu  sync.Mutex
	got []string
}

func listenWith(s *Session) *notifyInbox {
	b := &notifyInbox{}
	s.SetNotifier(func(pid uint32, ch, payload string) {
		b.mu.Lock()
		b.got = append(b.got, ch+":"+payload)
		b.mu.Unlock()
	})
	return b
}

func (b *notifyInbox) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.Join(b.got, " ")
	b.got = nil
	return s
}

// TestNotifyTransactional: the PostgreSQL semantics of NOTIFY, LISTEN and
// UNLISTEN inside transactions (compared with PostgreSQL 15 by hand and
// in test/notify_test.go).
func TestNotifyTransactional(t *testing.T) {
	e := mustEngine(t)
	a, b := mustSession(t, e), mustSession(t, e)
	in := listenWith(a)

	// LISTEN takes effect at commit; a rolled-back one never listened.
	mustExec(t, a, "BEGIN; LISTEN x")
	expectRows(t, a, "SELECT pg_listening_channels()", "")
	mustExec(t, a, "ROLLBACK")
	mustExec(t, b, "NOTIFY x, 'lost'")
	mustExec(t, a, "LISTEN c; LISTEN x; LISTEN b; LISTEN x")
	expectRows(t, a, "SELECT pg_listening_channels()", "c\nx\nb")
	expectRows(t, a, "SELECT * FROM pg_listening_channels() ORDER BY 1", "b\nc\nx")
	mustExec(t, a, "UNLISTEN c; UNLISTEN nothere")
	expectRows(t, a, "SELECT pg_listening_channels()", "x\nb")
	mustExec(t, a, "BEGIN; UNLISTEN *; ROLLBACK")
	expectRows(t, a, "SELECT pg_listening_channels()", "x\nb")
	if got := in.take(); got != "" {
		t.Fatal(got)
	}

	// Duplicates collapse; a savepoint's notifications roll back with it.
	mustExec(t, b, "BEGIN; NOTIFY x, '1'; NOTIFY x, '1'; NOTIFY x, '2'; SELECT pg_notify('x', '1'); NOTIFY x; NOTIFY x, ''; COMMIT")
	mustExec(t, b, "BEGIN; NOTIFY x, 'p'; SAVEPOINT s; NOTIFY x, 'p'; NOTIFY x, 'q'; ROLLBACK TO s; NOTIFY x, 'r'; COMMIT")
	mustExec(t, b, "BEGIN; SAVEPOINT s; NOTIFY x, 'A'; RELEASE s; NOTIFY x, 'A'; NOTIFY x, 'B'; COMMIT")
	mustExec(t, b, "BEGIN; NOTIFY x, 'rolled back'; ROLLBACK")
	if got := in.take(); got != "x:1 x:2 x: x:p x:r x:A x:B" {
		t.Fatal(got)
	}

	// A session gets its own notifications, LISTEN in the same transaction
	// included; a READ ONLY transaction may notify; a lone NOTIFY and
	// a multi-statement string are each one commit.
	mustExec(t, a, "BEGIN; LISTEN z; NOTIFY z, 'self'; COMMIT")
	mustExec(t, b, "BEGIN READ ONLY; NOTIFY z, 'ro'; COMMIT")
	mustExec(t, b, "NOTIFY z, 'lone'")
	mustExec(t, b, "NOTIFY z, 'm1'; NOTIFY z, 'm2'; NOTIFY z, 'm1'")
	if got := in.take(); got != "z:self z:ro z:lone z:m1 z:m2" {
		t.Fatal(got)
	}
	// A failed implicit transaction sends nothing.
	expectErr(t, b, "NOTIFY z, 'failed'; SELECT 1/0", pgerror.DivisionByZero)
	expectErr(t, b, "BEGIN; NOTIFY z, 'aborted'; SELECT 1/0", pgerror.DivisionByZero)
	mustExec(t, b, "COMMIT")
	if got := in.take(); got != "" {
		t.Fatal(got)
	}

	// A transaction that fails at COMMIT with 40001 notifies nobody; its
	// LISTEN is undone.
	mustExec(t, b, "CREATE TABLE nt (id int PRIMARY KEY, v int); INSERT INTO nt VALUES (1, 0)")
	mustExec(t, a, "BEGIN; SELECT v FROM nt WHERE id = 1; UPDATE nt SET v = 1 WHERE id = 1; NOTIFY z, 'conflict'; LISTEN w")
	mustExec(t, b, "UPDATE nt SET v = 2 WHERE id = 1")
	expectErr(t, a, "COMMIT", pgerror.SerializationFailure)
	expectRows(t, a, "SELECT pg_listening_channels()", "x\nb\nz")
	mustExec(t, b, "NOTIFY w, 'not listened'; UPDATE nt SET v = 3 WHERE id = 1; NOTIFY z, 'with a write'")
	if got := in.take(); got != "z:with a write" {
		t.Fatal(got)
	}

	// Limits: 22023 as PostgreSQL; 54000 past the per-transaction bound.
	mustExec(t, b, fmt.Sprintf("NOTIFY z, '%s'", strings.Repeat("p", 7999)))
	expectErr(t, b, fmt.Sprintf("NOTIFY z, '%s'", strings.Repeat("p", 8000)), pgerror.InvalidParameterValue)
	expectErr(t, b, "SELECT pg_notify('z', repeat('p', 8000))", pgerror.InvalidParameterValue)
	expectErr(t, b, "SELECT pg_notify('', 'x')", pgerror.InvalidParameterValue)
	expectErr(t, b, "SELECT pg_notify(NULL, 'x')", pgerror.InvalidParameterValue)
	expectErr(t, b, "SELECT pg_notify(repeat('c', 64), 'x')", pgerror.InvalidParameterValue)
	mustExec(t, b, "SELECT pg_notify(repeat('c', 63), NULL)")
	expectErr(t, b, "SELECT pg_notify('many', g::text) FROM generate_series(1, 100001) g", pgerror.ProgramLimitExceeded)
	if got := in.take(); got != "z:"+strings.Repeat("p", 7999) {
		t.Fatalf("%.40s", got)
	}

	// DISCARD ALL unlistens; so does closing the session.
	mustExec(t, a, "DISCARD ALL")
	expectRows(t, a, "SELECT pg_listening_channels()", "")
	mustExec(t, a, "LISTEN z")
	a.Close()
	mustExec(t, b, "NOTIFY z")
	if got := in.take(); got != "" {
		t.Fatal(got)
	}
}

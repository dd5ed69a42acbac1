package sql

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"logdb/sql/pgerror"
)

// Concurrent autocommit increments of one row conflict by OCC; the server
// retries them, so no update is lost and clients see no 40001.
func TestAutocommitRetry(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE c (id int PRIMARY KEY, n int)")
	mustExec(t, s, "INSERT INTO c VALUES (1, 0)")
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		ws := mustSession(t, e)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := ws.SimpleQuery(context.Background(), "UPDATE c SET n = n + 1 WHERE id = 1", &recorder{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if pgerror.Code(err) != pgerror.SerializationFailure {
			t.Fatal(err)
		}
		failed++
	}
	want := fmt.Sprint(workers*each - failed)
	expectRows(t, s, "SELECT n FROM c", want)
	if failed > workers*each/4 {
		t.Fatalf("%d of %d updates failed after retries", failed, workers*each)
	}
}

// Inserters using a serial key and point updates of different rows never
// conflict with each other.
func TestConcurrentInsertsDoNotConflict(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE ev (id bigserial PRIMARY KEY, who int, msg text)")
	mustExec(t, s, "CREATE TABLE nokey (who int, msg text)")
	const workers, each = 4, 30
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*each)
	for w := 0; w < workers; w++ {
		ws := mustSession(t, e)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// explicit blocks are not retried: any 40001 would surface
				q := fmt.Sprintf("BEGIN; INSERT INTO ev (who, msg) VALUES (%d, 'x'); INSERT INTO nokey VALUES (%d, 'y'); COMMIT", w, w)
				if err := ws.SimpleQuery(context.Background(), q, &recorder{}); err != nil {
					errs <- err
					ws.SimpleQuery(context.Background(), "ROLLBACK", &recorder{})
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	expectRows(t, s, "SELECT count(*), count(DISTINCT id) FROM ev", fmt.Sprintf("%d|%d", workers*each, workers*each))
	expectRows(t, s, "SELECT count(*) FROM nokey", fmt.Sprint(workers*each))
}

func TestCancelAndTimeout(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.SimpleQuery(ctx, "SELECT count(*) FROM generate_series(1, 10000000) a", &recorder{})
	if pgerror.Code(err) != pgerror.QueryCanceled {
		t.Fatalf("got %v", err)
	}
	mustExec(t, s, "SET statement_timeout = '50ms'")
	start := time.Now()
	err = s.SimpleQuery(context.Background(), "SELECT count(*) FROM generate_series(1, 3000) a, generate_series(1, 3000) b", &recorder{})
	if pgerror.Code(err) != pgerror.QueryCanceled || pgerror.As(err).Message != "canceling statement due to statement timeout" {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
	mustExec(t, s, "SET statement_timeout = 0")
	expectRows(t, s, "SELECT 1", "1")
}

// Extended-protocol autocommit statements are re-run at Sync on 40001 when
// the re-run gives the client the same command tag.
func TestExtendedAutocommitRetry(t *testing.T) {
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, "CREATE TABLE c (id int PRIMARY KEY, n int)")
	mustExec(t, s, "INSERT INTO c VALUES (1, 0)")
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		ws := mustSession(t, e)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if _, err := ws.Prepare(ctx, "u", "UPDATE c SET n = n + $1 WHERE id = 1", nil); err != nil {
				errs <- err
				return
			}
			for i := 0; i < each; i++ {
				_, err := ws.Bind(ctx, "", "u", nil, [][]byte{[]byte("1")}, nil)
				if err == nil {
					_, err = ws.Execute(ctx, "", 0, &recorder{})
				}
				if serr := ws.Sync(ctx); err == nil {
					err = serr
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	expectRows(t, s, "SELECT n FROM c", fmt.Sprint(workers*each))
}

func TestListenNotify(t *testing.T) {
	e := mustEngine(t)
	a := mustSession(t, e)
	b := mustSession(t, e)
	var mu sync.Mutex
	var got []string
	a.SetNotifier(func(pid uint32, ch, payload string) {
		mu.Lock()
		got = append(got, ch+":"+payload)
		mu.Unlock()
	})
	mustExec(t, a, "LISTEN jobs")
	mustExec(t, b, "NOTIFY jobs, 'one'")
	mustExec(t, b, "BEGIN; NOTIFY jobs, 'two'; SELECT pg_notify('jobs', 'three')")
	mu.Lock()
	if len(got) != 1 {
		t.Fatalf("before commit: %v", got)
	}
	mu.Unlock()
	mustExec(t, b, "COMMIT")
	mustExec(t, b, "BEGIN; NOTIFY jobs, 'rolled back'; ROLLBACK")
	mustExec(t, a, "UNLISTEN *")
	mustExec(t, b, "NOTIFY jobs, 'after unlisten'")
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != "[jobs:one jobs:two jobs:three]" {
		t.Fatal(got)
	}
	expectRows(t, b, "SELECT pg_sleep(0.01)", "")
}

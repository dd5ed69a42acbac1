package test

import (
	"fmt"
	"testing"
	"time"
)

// TestClusterSubscriberSwitchesNodes: a COPY (SUBSCRIBE …) subscriber
// reads from node 2 while rows are written through nodes 1 and 3; node 2
// is killed mid-stream and the subscriber resumes on node 3 with FROM_LSN
// = the last LSN it saw. It sees every insert exactly once, LSNs strictly
// increasing across the switch, and node 1 serves the very same changes at
// the same LSNs.
func TestClusterSubscriberSwitchesNodes(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 90*time.Second)
	c := mustStartCluster(t, 3)
	setup := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, setup, "CREATE TABLE sw (id bigint PRIMARY KEY)")
	start := currentLSN(t, ctx, setup)

	const rows = 600
	writerDone := make(chan error, 1)
	go func() {
		w1, w3 := mustConnect(t, c.Nodes[1]), mustConnect(t, c.Nodes[3])
		for i := 1; i <= rows; i++ {
			conn := w1
			if i%2 == 0 {
				conn = w3
			}
			if _, err := conn.Exec(ctx, "INSERT INTO sw VALUES ($1)", i); err != nil {
				writerDone <- fmt.Errorf("insert %d: %w", i, err)
				return
			}
			if i%100 == 0 {
				time.Sleep(100 * time.Millisecond)
			}
		}
		writerDone <- nil
	}()

	seen := map[string]int{}
	var order []change
	take := func(s *copyStream, until func() bool) {
		for !until() {
			select {
			case ch, ok := <-s.C:
				if !ok {
					return
				}
				if ch.Op == "progress" {
					continue
				}
				if len(order) > 0 && ch.lsn(t) <= order[len(order)-1].lsn(t) {
					t.Fatalf("LSN went from %s to %s", order[len(order)-1].LSN, ch.LSN)
				}
				seen[ch.Key]++
				order = append(order, ch)
			case <-time.After(20 * time.Second):
				t.Fatalf("no change within 20 s (%d seen)", len(order))
			}
		}
	}

	s2 := startCopyStream(t, ctx, c.Nodes[2], "COPY (SUBSCRIBE sw WITH (FROM_LSN = '"+start+"')) TO STDOUT")
	take(s2, func() bool { return len(order) >= rows/3 })
	c.Kill9(2)                             // mid-stream
	take(s2, func() bool { return false }) // whatever was already buffered, until the stream ends
	switchedAt := len(order)
	last := start
	if len(order) > 0 {
		last = order[len(order)-1].LSN
	}
	s3 := startCopyStream(t, ctx, c.Nodes[3], "COPY (SUBSCRIBE sw WITH (FROM_LSN = '"+last+"')) TO STDOUT")
	take(s3, func() bool { return len(order) >= rows })
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= rows; i++ {
		if n := seen[fmt.Sprintf(`{"id":%d}`, i)] + seen[fmt.Sprintf(`{"id": %d}`, i)]; n != 1 {
			t.Fatalf("row %d seen %d times (keys seen: e.g. %v)", i, n, order[0].Key)
		}
	}
	t.Logf("%d changes from node 2, then %d from node 3 after it was killed", switchedAt, len(order)-switchedAt)

	// Node 1 serves the same changes at the same LSNs.
	s1 := startCopyStream(t, ctx, c.Nodes[1], "COPY (SUBSCRIBE sw WITH (FROM_LSN = '"+start+"')) TO STDOUT")
	for i, want := range order {
		var got change
		for got.Op == "" || got.Op == "progress" {
			select {
			case got = <-s1.C:
			case <-time.After(20 * time.Second):
				t.Fatalf("node 1: no change %d within 20 s", i)
			}
		}
		if got.LSN != want.LSN || got.Key != want.Key || got.Op != want.Op || got.XID != want.XID {
			t.Fatalf("change %d: node 1 has %v, nodes 2/3 had %v", i, got, want)
		}
	}
}

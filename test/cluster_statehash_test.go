package test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// stateHashes reads node via's logdb_cluster: per member, its newest state
// hash report (index, hash, whether it matches via's own).
func stateHashes(ctx context.Context, c *Cluster, via uint64) (map[int64]string, error) {
	conn, err := c.connect(ctx, via)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT node_id, coalesce(state_hash_index, 0)::text || ' ' || coalesce(state_hash, '-') || ' ' ||
		coalesce(state_hash_match::text, '-') FROM logdb_cluster`)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}

// TestClusterStateHashes (issue 11): every node hashes its state at the
// same log indexes and the hashes travel through the log. On a healthy
// three-node cluster every node's logdb_cluster shows the same hash for
// every member, matching. Then node 3's state file is changed behind the
// log's back (a stored row the others do not have, as a damaged disk or a
// nondeterministic apply would leave): at the next hash point nodes 1 and
// 2 log the mismatch and show it, and node 3, outvoted, stops rather than
// serve a state the group does not have. The group goes on committing.
func TestClusterStateHashes(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	ctx := testCtx(t, 120*time.Second)
	c := mustStartCluster(t, 3, "--hash-interval", "40")
	conn := mustConnect(t, c.Nodes[1])
	mustExec(t, ctx, conn, "CREATE TABLE hashed (id int PRIMARY KEY, v text)")
	insert := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			mustExec(t, ctx, conn, "INSERT INTO hashed VALUES ($1, 'x')", i)
		}
	}
	insert(0, 130)
	// Every node shows every member's newest report, all at one index
	// (a point and its reports are at least 120: three points passed).
	var last map[int64]string
	for ctx.Err() == nil {
		agree := true
		var want string
		for via := uint64(1); via <= 3 && agree; via++ {
			hs, err := stateHashes(ctx, c, via)
			if err != nil || len(hs) != 3 {
				agree = false
				break
			}
			last = hs
			for _, s := range hs {
				if want == "" {
					want = s
				}
				if s != want || !strings.HasSuffix(s, " true") || strings.HasPrefix(s, "40 ") || strings.HasPrefix(s, "80 ") {
					agree = false
				}
			}
		}
		if agree {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Fatalf("the nodes never agreed on the state hash at one index: %v", last)
	}

	// Node 3, stopped cleanly, gets a row in a space of its own, and its
	// state hash is recomputed at its next start (as an older build's).
	c.signal(3, syscall.SIGTERM)
	<-c.Nodes[3].exited
	db, err := bolt.Open(filepath.Join(c.Nodes[3].Dir, "state.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte{0, 0, 0x27, 0x0f})
		if err != nil {
			return err
		}
		v := binary.BigEndian.AppendUint64(nil, 1)
		if err := b.Put([]byte("bitrot"), append(v, 0, 'x')); err != nil {
			return err
		}
		return tx.Bucket([]byte("\x00meta")).Delete([]byte("hashed"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c.Restart(3)
	insert(130, 260)
	select {
	case <-c.Nodes[3].exited:
	case <-ctx.Done():
		t.Fatalf("node 3 still runs with a state the others outvoted\n%s", tailFile(c.Nodes[3].Log, 20))
	}
	b, _ := os.ReadFile(c.Nodes[3].Log)
	if !strings.Contains(string(b), "state diverged from the group") {
		t.Errorf("node 3's log does not say why it stopped:\n%s", tailFile(c.Nodes[3].Log, 20))
	}
	// Nodes 1 and 2 see the mismatch when node 3's own report reached the
	// log before node 3 applied theirs and stopped (its report is proposed
	// after its point is applied, so it may never be sent).
	for id := uint64(1); id <= 2; id++ {
		hs, err := stateHashes(ctx, c, id)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(hs[3], "40 ") || strings.HasPrefix(hs[3], "80 ") || strings.HasPrefix(hs[3], "120 ") {
			t.Logf("node %d: node 3's report after the damage never reached the log (%q)", id, hs[3])
			continue
		}
		if !strings.HasSuffix(hs[3], " false") {
			t.Errorf("node %d's logdb_cluster shows node 3's hash as %q, want a mismatch", id, hs[3])
		}
		b, _ := os.ReadFile(c.Nodes[id].Log)
		if !strings.Contains(string(b), "STATE HASH MISMATCH") {
			t.Errorf("node %d's log does not show the mismatch", id)
		}
	}
	insert(260, 270) // the two others go on
	checkQuery(t, ctx, conn, "270", "SELECT count(*) FROM hashed")
}

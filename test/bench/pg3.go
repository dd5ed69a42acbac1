package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"logdb/test/internal/pgserver"
)

// pg3SyncNames is the primary's synchronous_standby_names: a commit waits
// until it is flushed on the primary and on one of the two standbys, the
// durability of a raft majority of three.
const pg3SyncNames = "ANY 1 (s1, s2)"

// startPostgres3 runs a throwaway PostgreSQL 15 primary and two streaming
// standbys cloned from it with `pg_basebackup -R`, quorum-synchronous
// (pg3SyncNames, synchronous_commit = on), on this machine, in one
// temporary directory under workDir. The standbys name themselves s1 and
// s2 through cluster_name, which the walreceiver sends as its
// application_name. It returns once both standbys stream as quorum
// standbys.
func startPostgres3(ctx context.Context, pgBin, workDir string) (*target, error) {
	dir, err := os.MkdirTemp(workDir, "bench-pg3-")
	if err != nil {
		return nil, err
	}
	var procs []*pgProcess
	stop := func() {
		// Standbys first: a primary's fast shutdown waits for its
		// walsenders to hand over the last WAL.
		for i := len(procs) - 1; i >= 0; i-- {
			stopPG(procs[i])
		}
		os.RemoveAll(dir)
	}
	fail := func(err error) (*target, error) {
		for _, p := range procs {
			err = fmt.Errorf("%w\n%s: %s", err, filepath.Base(p.LogPath), lastLines(p.LogTail(2000), 3))
		}
		stop()
		return nil, err
	}
	cred, err := pgserver.Credential(dir)
	if err != nil {
		return fail(err)
	}
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return fail(err)
		}
	}
	t := &target{ID: "pg3", Name: "PostgreSQL 3-node", Kind: kindPG, Host: "127.0.0.1", Port: ports[0],
		User: "postgres", DB: "postgres", Nodes: ports, stop: stop}
	primaryDir := filepath.Join(dir, "primary")
	if err := pgserver.Initdb(ctx, pgBin, primaryDir, cred); err != nil {
		return fail(err)
	}
	primary, err := startPGProcess(pgBin, dir, "primary", primaryDir, ports[0], cred,
		"synchronous_standby_names="+pg3SyncNames)
	if err != nil {
		return fail(err)
	}
	procs = append(procs, primary)
	t.Procs = append(t.Procs, serverProc{Name: "primary", PID: primary.Cmd.Process.Pid})
	t.DataDirs = append(t.DataDirs, primaryDir)
	if err := waitReady(ctx, t, primary.Exited, 60*time.Second); err != nil {
		return fail(fmt.Errorf("primary: %w", err))
	}
	for i, name := range []string{"s1", "s2"} {
		sdir := filepath.Join(dir, name)
		bb := exec.CommandContext(ctx, filepath.Join(pgBin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(ports[0]),
			"-U", "postgres", "-D", sdir, "-R", "-X", "stream", "-c", "fast", "--no-sync")
		bb.Dir = dir
		bb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := bb.CombinedOutput(); err != nil {
			return fail(fmt.Errorf("pg_basebackup for %s: %w\n%s", name, err, tail(out, 2000)))
		}
		p, err := startPGProcess(pgBin, dir, name, sdir, ports[i+1], cred,
			"cluster_name="+name, "hot_standby=on")
		if err != nil {
			return fail(err)
		}
		procs = append(procs, p)
		t.Procs = append(t.Procs, serverProc{Name: name, PID: p.Cmd.Process.Pid})
		t.DataDirs = append(t.DataDirs, sdir)
		st := *t
		st.Port = ports[i+1]
		if err := waitReady(ctx, &st, p.Exited, 60*time.Second); err != nil {
			return fail(fmt.Errorf("standby %s: %w", name, err))
		}
	}
	t.exited = func() string {
		for _, p := range procs {
			select {
			case <-p.Exited:
				return fmt.Sprintf("%s exited (%s); its log ends: %s", filepath.Base(p.LogPath), p.Cmd.ProcessState, lastLines(p.LogTail(2000), 3))
			default:
			}
		}
		return ""
	}
	if err := waitQuorumStandbys(ctx, t, 2, 60*time.Second); err != nil {
		return fail(err)
	}
	return t, nil
}

// waitQuorumStandbys polls the primary's pg_stat_replication until n
// standbys stream as quorum-synchronous ones.
func waitQuorumStandbys(ctx context.Context, t *target, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var got int
	for time.Now().Before(deadline) {
		c, err := t.connect(ctx)
		if err == nil {
			err = c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'quorum'`).Scan(&got)
			closeAll([]*pgx.Conn{c})
		}
		if err == nil && got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%d of %d standbys streaming as quorum standbys after %s", got, n, timeout)
}

// at returns a copy of t pointed at one of its servers.
func (t *target) at(port int) *target {
	c := *t
	c.Port = port
	return &c
}

// primary returns t pointed at the server that takes writes: pg3's
// primary, logdb3's raft leader (asked of logdb_cluster), t itself for a
// single server.
func (t *target) primary(ctx context.Context) (*target, error) {
	if len(t.Nodes) == 0 || t.Kind == kindPG {
		return t, nil
	}
	port, err := t.leaderPort(ctx)
	if err != nil {
		return nil, err
	}
	return t.at(port), nil
}

// replica returns t pointed at a server that does not take the writes:
// pg3's first standby (its reads are not linearizable: it replays the
// primary's WAL after the commit is acknowledged), or a logdb3 follower
// (its reads are linearizable: a read index confirmed by the leader).
func (t *target) replica(ctx context.Context) (*target, error) {
	if len(t.Nodes) < 2 {
		return nil, errors.New("a single server has no replica")
	}
	if t.Kind == kindPG {
		return t.at(t.Nodes[1]), nil
	}
	leader, err := t.leaderPort(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range t.Nodes {
		if p != leader {
			return t.at(p), nil
		}
	}
	return nil, errors.New("no follower")
}

// leaderPort asks each node for its own role (its row of logdb_cluster is
// the one with an applied index) and returns the leader's SQL port,
// waiting through an election.
func (t *target) leaderPort(ctx context.Context) (int, error) {
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		for _, port := range t.Nodes {
			var role string
			c, err := t.at(port).connect(ctx)
			if err == nil {
				err = c.QueryRow(ctx, `SELECT role FROM logdb_cluster WHERE applied_index IS NOT NULL`).Scan(&role)
				closeAll([]*pgx.Conn{c})
			}
			if err != nil {
				last = err
				continue
			}
			if role == "leader" {
				return port, nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("no node says it is the leader in logdb_cluster (last error: %v)", last)
}

// waitReplayed waits until every pg3 standby has replayed the primary's
// WAL as it is now, so rows loaded on the primary are there to read.
// logdb's followers need no such wait: their reads are linearizable.
func waitReplayed(ctx context.Context, t *target) error {
	if t.Kind != kindPG || len(t.Nodes) < 2 {
		return nil
	}
	c, err := t.at(t.Nodes[0]).connect(ctx)
	if err != nil {
		return err
	}
	var lsn string
	err = c.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn)
	closeAll([]*pgx.Conn{c})
	if err != nil {
		return err
	}
	for _, port := range t.Nodes[1:] {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			var done bool
			c, err := t.at(port).connect(ctx)
			if err == nil {
				err = c.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done)
				closeAll([]*pgx.Conn{c})
			}
			if err == nil && done {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("standby on port %d has not replayed to %s after 2 minutes (%v)", port, lsn, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

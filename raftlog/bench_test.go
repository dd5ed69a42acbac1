package raftlog

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
)

// nopSM applies nothing and remembers only the index: the benchmark
// measures the log, not the state machine.
type nopSM struct{ applied atomic.Uint64 }

func (s *nopSM) Apply(ents []Entry) ([]any, error) {
	s.applied.Store(ents[len(ents)-1].Index)
	return make([]any, len(ents)), nil
}
func (s *nopSM) AppliedIndex() uint64 { return s.applied.Load() }

// syncSM imitates kv over bbolt: every Apply call ends with an fdatasync
// of its own file.
type syncSM struct {
	nopSM
	f *os.File
}

func (s *syncSM) Apply(ents []Entry) ([]any, error) {
	if _, err := s.f.WriteAt(bytes.Repeat([]byte{1}, 4096), 0); err != nil {
		return nil, err
	}
	if err := fdatasync(s.f); err != nil {
		return nil, err
	}
	return s.nopSM.Apply(ents)
}

// BenchmarkProposeParallel16 measures group commit: 16 concurrent proposers
// of 200-byte payloads share fdatasyncs. Run with
//
//	go test -run '^$' -bench ProposeParallel16 -benchtime 3s ./raftlog
func BenchmarkProposeParallel16(b *testing.B) {
	for _, sm := range []string{"nopSM", "syncSM"} {
		for _, mode := range []string{"pipelined", "serial"} {
			b.Run(sm+"/"+mode, func(b *testing.B) {
				dir := b.TempDir()
				var m StateMachine = &nopSM{}
				if sm == "syncSM" {
					f, err := os.Create(filepath.Join(dir, "sm"))
					if err != nil {
						b.Fatal(err)
					}
					defer f.Close()
					m = &syncSM{f: f}
				}
				benchPropose(b, dir, m, mode == "serial")
			})
		}
	}
}

func benchPropose(b *testing.B, dir string, sm StateMachine, serial bool) {
	const workers = 16
	n, err := Open(Config{NodeID: 1, Dir: filepath.Join(dir, "wal"), Peers: map[uint64]string{1: ""},
		StateMachine: sm, Logger: testLogger(nil), serialApply: serial})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	ctx := context.Background()
	payload := bytes.Repeat([]byte("x"), 200)
	if _, _, err := n.Propose(ctx, payload); err != nil { // wait for leadership
		b.Fatal(err)
	}
	syncs0, ents0 := n.wal.stats()
	applies0 := n.applyBatchN.Load()
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, _, err := n.Propose(ctx, payload); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	syncs, ents := n.wal.stats()
	syncs -= syncs0
	ents -= ents0
	b.ReportMetric(float64(b.N)/el.Seconds(), "proposals/s")
	b.ReportMetric(float64(syncs)/el.Seconds(), "walsyncs/s")
	b.ReportMetric(float64(ents)/float64(max(syncs, 1)), "entries/walsync")
	b.ReportMetric(float64(ents)/float64(max(n.applyBatchN.Load()-applies0, 1)), "entries/apply")
}

// BenchmarkFdatasyncAppend is the disk's limit as the WAL sees it: one
// 220-byte append plus fdatasync per op, on a growing file.
func BenchmarkFdatasyncAppend(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "f"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rec := bytes.Repeat([]byte("x"), 220)
	var off int64
	for b.Loop() {
		if _, err := f.WriteAt(rec, off); err != nil {
			b.Fatal(err)
		}
		off += int64(len(rec))
		if err := fdatasync(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProposeOne is one proposer at a time: the latency of a commit.
func BenchmarkProposeOne(b *testing.B) {
	n, err := Open(Config{NodeID: 1, Dir: filepath.Join(b.TempDir(), "wal"), Peers: map[uint64]string{1: ""},
		StateMachine: &nopSM{}, Logger: testLogger(nil)})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	ctx := context.Background()
	payload := bytes.Repeat([]byte("x"), 200)
	if _, _, err := n.Propose(ctx, payload); err != nil {
		b.Fatal(err)
	}
	syncs0, ents0 := n.wal.stats()
	for b.Loop() {
		if _, _, err := n.Propose(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
	syncs, ents := n.wal.stats()
	b.ReportMetric(float64(syncs-syncs0)/float64(ents-ents0), "walsyncs/entry")
}

// BenchmarkEntriesRead reads 1000 committed 200-byte entries from disk per
// op, as the changefeed does.
func BenchmarkEntriesRead(b *testing.B) {
	w, err := openWAL(b.TempDir(), 0, testLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { w.close() }()
	payload := frame(1, bytes.Repeat([]byte("x"), 200))
	const total = 10000
	for i := uint64(1); i <= total; i += 100 {
		var batch []*pb.Entry
		for j := i; j < i+100; j++ {
			batch = append(batch, &pb.Entry{Index: new(j), Term: new(uint64(1)), Data: payload})
		}
		if err := w.append(batch, nil, false); err != nil {
			b.Fatal(err)
		}
	}
	// Reopen so reads come from disk (page cache), not the tail cache.
	if err := w.close(); err != nil {
		b.Fatal(err)
	}
	if w, err = openWAL(w.dir, 0, testLogger(nil)); err != nil {
		b.Fatal(err)
	}
	lo := uint64(1)
	for b.Loop() {
		ents, err := w.entries(lo, lo+1000, 1<<62)
		if err != nil || len(ents) != 1000 {
			b.Fatal(err)
		}
		lo = (lo+1000)%(total-1000) + 1
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/entry")
}

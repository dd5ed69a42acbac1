package kv

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// smallTxn is a typical OLTP transaction: read two rows, update one, insert
// one, at a snapshot a few entries old.
func smallTxn(i int, snap uint64) *Command {
	k := func(n int) []byte { return binary.BigEndian.AppendUint64([]byte("r"), uint64(n)) }
	return &Command{
		Kind: KindTxn, SnapshotIndex: snap, CommitTime: int64(i),
		Reads: []Read{{Space: tbl, Key: k(i % 1000)}, {Space: tbl, Key: k((i * 7) % 1000)}},
		Writes: []Write{
			{Space: tbl, Key: k(i % 1000), Value: make([]byte, 100), Before: make([]byte, 100)},
			{Space: tbl + 1, Key: k(1_000_000 + i), Value: make([]byte, 100)},
		},
	}
}

func benchApply(b *testing.B, opts Options) {
	opts.Logger = quietLogger
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const perBatch = 100
	idx := uint64(0)
	batch := make([]Entry, perBatch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range batch {
			idx++
			batch[j] = Entry{Index: idx, Data: EncodeCommand(smallTxn(int(idx), max(idx, 3)-3))}
		}
		if _, err := s.Apply(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*perBatch)/b.Elapsed().Seconds(), "txns/s")
}

// BenchmarkApply100 applies batches of 100 small transactions (encoding
// included) as the default configuration does: no fsync per batch, a
// checkpoint every 30s (none in a short run).
func BenchmarkApply100(b *testing.B) { benchApply(b, Options{}) }

// BenchmarkApply100Checkpoint is the default with a checkpoint every 100ms,
// far more often than the default: the checkpoints' cost.
func BenchmarkApply100Checkpoint(b *testing.B) {
	benchApply(b, Options{CheckpointInterval: 100 * time.Millisecond})
}

// BenchmarkApply100SyncEveryApply fsyncs each batch (the behaviour before
// checkpoints).
func BenchmarkApply100SyncEveryApply(b *testing.B) { benchApply(b, Options{SyncEveryApply: true}) }

// BenchmarkApply100NoSync is without any fsync: the CPU cost.
func BenchmarkApply100NoSync(b *testing.B) { benchApply(b, Options{NoSync: true}) }

func BenchmarkTxnGetPutCommand(b *testing.B) {
	s := mustOpen(b)
	seed := mustBegin(b, s)
	for i := range 1000 {
		seed.Put(tbl, fmt.Appendf(nil, "row%06d", i), make([]byte, 100), nil)
	}
	mustCommit(b, s, seed)
	key := make([]byte, 0, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		txn, err := s.Begin()
		if err != nil {
			b.Fatal(err)
		}
		for j := range 4 {
			key = fmt.Appendf(key[:0], "row%06d", (i*4+j)%1000)
			v, _, err := txn.Get(tbl, key)
			if err != nil {
				b.Fatal(err)
			}
			if j < 2 {
				txn.Put(tbl, key, v, v)
			}
		}
		c := txn.Command(0)
		txn.Release()
		_ = EncodeCommand(c)
	}
}

func BenchmarkTxnBulkPut(b *testing.B) {
	s := mustOpen(b)
	key := make([]byte, 0, 16)
	val := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	txn := mustBegin(b, s)
	for i := 0; i < b.N; i++ {
		key = fmt.Appendf(key[:0], "row%09d", i)
		txn.Put(tbl, key, val, nil)
	}
	_ = txn.Command(0)
}

func BenchmarkScan1000(b *testing.B) {
	s := mustOpen(b)
	seed := mustBegin(b, s)
	for i := range 1000 {
		seed.Put(tbl, fmt.Appendf(nil, "row%06d", i), make([]byte, 100), nil)
	}
	mustCommit(b, s, seed)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		txn, _ := s.Begin()
		it := txn.Scan(tbl, nil, nil, false)
		n := 0
		for it.Next() {
			n++
		}
		it.Close()
		txn.Release()
		if n != 1000 {
			b.Fatal(n)
		}
	}
}

func BenchmarkDecodeCommand(b *testing.B) {
	data := EncodeCommand(smallTxn(1, 1))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeCommand(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBulkInsert100k is one INSERT of 100,000 rows end to end: buffer,
// build and encode the command, decode and apply it (fsync on).
func BenchmarkBulkInsert100k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Logger: quietLogger})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	key := make([]byte, 0, 16)
	val := make([]byte, 100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		txn, err := s.Begin()
		if err != nil {
			b.Fatal(err)
		}
		for r := range 100_000 {
			key = fmt.Appendf(key[:0], "t%03d/row%07d", i, r)
			txn.Put(tbl, key, val, nil)
		}
		data := EncodeCommand(txn.Command(0))
		txn.Release()
		res, err := s.Apply([]Entry{{Index: s.AppliedIndex() + 1, Data: data}})
		if err != nil || res[0].Err != nil {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkPointScanBetweenWrites is the unique-index check of a bulk
// insert: a prefix scan of the space written to, then a write, per row.
func BenchmarkPointScanBetweenWrites(b *testing.B) {
	s := mustOpen(b)
	txn := mustBegin(b, s)
	key := make([]byte, 0, 16)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		key = fmt.Appendf(key[:0], "idx%09d", i)
		it := txn.Scan(tbl, key, PrefixEnd(key), false)
		if it.Next() {
			b.Fatal("duplicate")
		}
		it.Close()
		txn.Put(tbl, key, nil, nil)
	}
}

package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/raftlog"
	"logdb/sql"
)

// Online backup and restore.
//
// A backup is what BACKUP TO STDOUT streams (sql/backup.go calls
// writeBackup through sql.Config.Backup) and `logdb backup` stores:
//
//	"LOGDBBK1"
//	frames [u8 kind][u32 big-endian length][payload]:
//	  'D'  the state database as of one applied index, in order
//	       (kv.Store.WriteSnapshot's stream: the same consistent copy a
//	       joining node receives), in chunks of at most backupFrame bytes
//	  'M'  backupMeta as JSON, after the data
//	  'E'  the SHA-256 of every byte before this frame; the last frame
//
// Every transaction committed at or below the backup's index is in it,
// none after: the state is one bbolt read transaction, and the applied
// index is stored in the same transaction as the rows. Writers are not
// stopped; the read transaction pins the pages it reads for as long as
// the backup streams (the state file grows meanwhile, as for a snapshot
// sent to a follower).
//
// `logdb restore` checks the whole file (hash, framing, metadata) before
// it writes anything, then installs the state and a raft log that starts
// after the backup's index (raftlog.Restore): `logdb start` brings the
// directory up as a new single-node cluster, which logdb_add_node grows.

const (
	backupMagic = "LOGDBBK1"
	backupFrame = 1 << 20
)

// backupMeta describes a backup: its position in the log and the cluster
// it was taken from.
type backupMeta struct {
	Format  int    `json:"format"` // 1
	Index   uint64 `json:"index"`  // the applied index the state holds
	Term    uint64 `json:"term"`   // the term of the entry at Index
	LSN     string `json:"lsn"`    // EndLSN(Index): every change at or below it is in the backup
	Version string `json:"logdb_version"`
	// The node the backup was taken through and the cluster's members
	// then (id → raft address).
	SourceNode uint64            `json:"source_node"`
	Members    map[uint64]string `json:"members"`
	CreatedAt  time.Time         `json:"created_at"`
}

// writeBackup streams a backup of the node to w.
func writeBackup(ctx context.Context, w io.Writer, node *raftlog.Node, store *kv.Store) error {
	h := sha256.New()
	bw := &backupWriter{w: io.MultiWriter(w, h)}
	if _, err := bw.w.Write([]byte(backupMagic)); err != nil {
		return err
	}
	index, err := store.WriteSnapshot(bw)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := bw.flush(); err != nil {
		return err
	}
	term, err := node.Term(index)
	if err != nil {
		return fmt.Errorf("backup: term of index %d: %w", index, err)
	}
	meta := backupMeta{Format: 1, Index: index, Term: term, LSN: changefeed.FormatLSN(changefeed.EndLSN(index)),
		Version: version, SourceNode: node.Status().ID, Members: map[uint64]string{}, CreatedAt: time.Now().UTC()}
	for _, m := range node.Members() {
		meta.Members[m.ID] = m.Addr
	}
	mb, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	if err := writeFrame(bw.w, 'M', mb); err != nil {
		return err
	}
	return writeFrame(w, 'E', h.Sum(nil))
}

// backupWriter frames the state database's bytes as 'D' frames.
type backupWriter struct {
	w   io.Writer
	buf []byte
}

func (b *backupWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), backupFrame-len(b.buf))
		b.buf = append(b.buf, p[:k]...)
		p = p[k:]
		if len(b.buf) == backupFrame {
			if err := b.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (b *backupWriter) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	err := writeFrame(b.w, 'D', b.buf)
	b.buf = b.buf[:0]
	return err
}

func writeFrame(w io.Writer, kind byte, payload []byte) error {
	var hdr [5]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

var errBadBackup = errors.New("not a valid logdb backup")

// readBackup reads a backup from r, writing the state database's bytes to
// data (nil: discard), and returns its metadata once the final hash
// matched. Any damage is an error wrapping errBadBackup.
func readBackup(r io.Reader, data io.Writer) (backupMeta, error) {
	var meta backupMeta
	h := sha256.New()
	br := bufio.NewReaderSize(r, 1<<20)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != backupMagic {
		return meta, fmt.Errorf("%w: no %s header", errBadBackup, backupMagic)
	}
	h.Write(magic)
	haveMeta := false
	buf := make([]byte, backupFrame)
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return meta, fmt.Errorf("%w: truncated (no end frame): %v", errBadBackup, err)
		}
		n := binary.BigEndian.Uint32(hdr[1:])
		if n > backupFrame {
			return meta, fmt.Errorf("%w: frame of %d bytes", errBadBackup, n)
		}
		payload := buf[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			return meta, fmt.Errorf("%w: truncated frame: %v", errBadBackup, err)
		}
		switch hdr[0] {
		case 'D':
			if haveMeta {
				return meta, fmt.Errorf("%w: data after the metadata", errBadBackup)
			}
			if data != nil {
				if _, err := data.Write(payload); err != nil {
					return meta, err
				}
			}
		case 'M':
			if haveMeta {
				return meta, fmt.Errorf("%w: two metadata frames", errBadBackup)
			}
			if err := json.Unmarshal(payload, &meta); err != nil || meta.Format != 1 || meta.Index == 0 || meta.Term == 0 {
				return meta, fmt.Errorf("%w: bad metadata %q", errBadBackup, payload)
			}
			haveMeta = true
		case 'E':
			if !haveMeta {
				return meta, fmt.Errorf("%w: no metadata", errBadBackup)
			}
			if string(payload) != string(h.Sum(nil)) {
				return meta, fmt.Errorf("%w: checksum mismatch (the file is damaged)", errBadBackup)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				return meta, fmt.Errorf("%w: bytes after the end frame", errBadBackup)
			}
			return meta, nil
		default:
			return meta, fmt.Errorf("%w: unknown frame %q", errBadBackup, hdr[0])
		}
		h.Write(hdr[:])
		h.Write(payload)
	}
}

// restoreOpts is what `logdb restore` was asked to do.
type restoreOpts struct {
	From, DataDir string
	NodeID        uint64
	// Until, when set, is the LSN to restore to: the log after the
	// backup is replayed up to it, read from the node at ConnStr.
	Until   string
	ConnStr string
	// Archive, when set, is a --log-archive directory read before the
	// node (which then serves only what the archive lacks).
	Archive string
}

// restore installs a backup into a new or empty data directory as a new
// single-node cluster whose only member is o.NodeID, replaying the log up
// to o.Until when set. On failure it removes what it wrote.
func restore(ctx context.Context, o restoreOpts, stdout, stderr io.Writer) (err error) {
	var until uint64
	if o.Until != "" {
		if until, err = parseLSN(o.Until); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
	}
	f, err := os.Open(o.From)
	if err != nil {
		return err
	}
	defer f.Close()
	meta, err := readBackup(f, nil) // check it all before writing anything
	if err != nil {
		return fmt.Errorf("%s: %w", o.From, err)
	}
	last, term := meta.Index, meta.Term
	if o.Until != "" {
		if last = untilIndex(until); last < meta.Index {
			return fmt.Errorf("--until %s is before the backup's position %s: restore from an older backup", o.Until, meta.LSN)
		}
	}
	if ents, err := os.ReadDir(o.DataDir); err == nil && len(ents) > 0 {
		return fmt.Errorf("--data-dir %s is not empty: restore only into a new directory", o.DataDir)
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(o.DataDir) // it was new or empty: leave nothing half restored
		}
	}()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := kv.Open(filepath.Join(o.DataDir, "state.db"), kv.Options{Merge: sql.MergeRow, Logger: quiet})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	pr, pw := io.Pipe()
	type result struct {
		index uint64
		err   error
	}
	done := make(chan result, 1)
	go func() {
		index, err := store.RestoreSnapshot(pr)
		pr.CloseWithError(err) // unblocks the reader below if the restore stopped early
		done <- result{index, err}
	}()
	size := int64(0)
	if fi, err := f.Stat(); err == nil {
		size = max(fi.Size(), 1)
	}
	read := &countingWriter{}
	var replaying atomic.Bool
	stopProgress := showProgress(stderr, func() string {
		if replaying.Load() {
			at := store.AppliedIndex()
			return fmt.Sprintf("restore: replaying the log: index %d of %d (%d entries to go)", at, last, last-min(at, last))
		}
		n := read.n.Load()
		return fmt.Sprintf("restore: %.1f of %.1f MiB of the backup read (%d%%)", float64(n)/(1<<20), float64(size)/(1<<20), n*100/size)
	})
	_, rerr := readBackup(io.TeeReader(f, read), pw)
	pw.CloseWithError(rerr)
	res := <-done
	replaying.Store(true)
	switch {
	case rerr != nil:
		res.err = fmt.Errorf("restore: reading %s: %w", o.From, rerr)
	case res.err != nil:
		res.err = fmt.Errorf("restore: state database: %w", res.err)
	case res.index != meta.Index:
		res.err = fmt.Errorf("restore: the state holds index %d, the metadata says %d: %w", res.index, meta.Index, errBadBackup)
	case last > meta.Index:
		next := meta.Index + 1
		if o.Archive != "" {
			var t uint64
			if next, t, res.err = replayArchive(o.Archive, store, next, last); t != 0 {
				term = t
			}
		}
		if res.err == nil && next <= last {
			var t uint64
			if t, res.err = replayLog(ctx, o.ConnStr, store, next, last); res.err == nil {
				term = t
			}
		}
		if res.err != nil {
			res.err = fmt.Errorf("restore: replaying the log after %s up to %s: %w", meta.LSN, o.Until, res.err)
		}
	}
	stopProgress()
	if cerr := store.Close(); res.err == nil && cerr != nil {
		res.err = fmt.Errorf("restore: %w", cerr)
	}
	if res.err != nil {
		return res.err
	}
	if err := raftlog.Restore(filepath.Join(o.DataDir, "raft"), o.NodeID, last, term); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	lsn := changefeed.FormatLSN(changefeed.EndLSN(last))
	fmt.Fprintf(stdout, "restored %s into %s: LSN %s (index %d), the backup's LSN %s and %d log entries after it; node %d of a new single-node cluster: logdb start --data-dir %s\n",
		o.From, o.DataDir, lsn, last, meta.LSN, last-meta.Index, o.NodeID, o.DataDir)
	return nil
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/raftlog"
	"logdb/sql/pgerror"
)

// Point-in-time restore: `logdb restore --until LSN --host H --port P`
// restores a backup, then replays the log after it up to LSN, read from a
// running node with BACKUP LOG FROM n THROUGH m TO STDOUT:
//
//	"LOGDBLG1"
//	frames [u8 kind][u32 big-endian length][payload]:
//	  'L'  one entry: u64 index, u64 term, then its data (the command
//	       kv applies; empty for raft's own entries), in index order
//	  'E'  the SHA-256 of every byte before this frame; the last frame
//
// Replaying committed entries through kv.Store.Apply is what every node
// does: apply is deterministic, so the state after entry i is the same
// as any node's was. The window is the node's retained log (--retention,
// slots), from the backup's index on.

const logMagic = "LOGDBLG1"

// logBatch is how many entries writeLog reads at once.
const logBatch = 256

// writeLog streams entries from through through of the node's log to w.
func writeLog(w io.Writer, node *raftlog.Node, from, through uint64) error {
	if first := node.FirstIndex(); from < first {
		return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState,
			Message: fmt.Sprintf("this node's log no longer holds entry %d: it starts at entry %d (LSN %s)",
				from, first, changefeed.FormatLSN(changefeed.LSN(first, 1)))}
	}
	if c := node.CommittedIndex(); through > c {
		return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState,
			Message: fmt.Sprintf("this node has committed only up to entry %d (LSN %s), not %d",
				c, changefeed.FormatLSN(changefeed.EndLSN(c)), through)}
	}
	h := sha256.New()
	mw := io.MultiWriter(w, h)
	if _, err := mw.Write([]byte(logMagic)); err != nil {
		return err
	}
	var payload []byte
	for lo := from; lo <= through; {
		hi := min(through+1, lo+logBatch)
		ents, err := node.Entries(lo, hi)
		if err != nil {
			return fmt.Errorf("backup log: %w", err)
		}
		if len(ents) != int(hi-lo) {
			return fmt.Errorf("backup log: entries [%d, %d): got %d", lo, hi, len(ents))
		}
		for _, e := range ents {
			payload = binary.BigEndian.AppendUint64(payload[:0], e.Index)
			payload = binary.BigEndian.AppendUint64(payload, e.Term)
			payload = append(payload, e.Data...)
			if err := writeFrame(mw, 'L', payload); err != nil {
				return err
			}
		}
		lo = hi
	}
	return writeFrame(w, 'E', h.Sum(nil))
}

// untilIndex is the last entry a restore --until lsn replays: the entry
// holding the change at lsn, whole (a transaction is restored entirely or
// not at all); LSN(i, 0), the position before entry i, stops before it.
func untilIndex(lsn uint64) uint64 {
	i := changefeed.IndexOf(lsn)
	if changefeed.SeqOf(lsn) == 0 {
		return i - 1
	}
	return i
}

// parseLSN reads PostgreSQL's X/Y form.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%q is not an LSN (X/Y, hexadecimal)", s)
	}
	return h<<32 | l, nil
}

// replayLog fetches entries from through through from the node at connStr
// and applies them to store, checking that they follow each other and
// end at through; it returns the term of the last one.
func replayLog(ctx context.Context, connStr string, store *kv.Store, from, through uint64) (uint64, error) {
	conn, err := pgconn.Connect(ctx, connStr)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	pr, pw := io.Pipe()
	copyErr := make(chan error, 1)
	go func() {
		_, err := conn.CopyTo(ctx, pw, fmt.Sprintf("BACKUP LOG FROM %d THROUGH %d TO STDOUT", from, through))
		pw.CloseWithError(err)
		copyErr <- err
	}()
	next, term := from, uint64(0)
	var batch []kv.Entry
	apply := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := store.Apply(batch)
		batch = batch[:0]
		return err
	}
	err = readLog(pr, func(index, t uint64, data []byte) error {
		if index != next {
			return fmt.Errorf("%w: entry %d where %d was expected", errBadBackup, index, next)
		}
		next, term = index+1, t
		batch = append(batch, kv.Entry{Index: index, Data: data})
		if len(batch) == logBatch {
			return apply()
		}
		return nil
	})
	if err == nil {
		err = apply()
	}
	pr.CloseWithError(err)
	if cerr := <-copyErr; cerr != nil && !errors.Is(cerr, io.ErrClosedPipe) {
		err = cerr // the node's answer (55000: not retained, not committed) says more than the stream's end
	}
	if err != nil {
		return 0, err
	}
	if next != through+1 {
		return 0, fmt.Errorf("the node sent entries up to %d, not %d", next-1, through)
	}
	return term, nil
}

// readLog reads a BACKUP LOG stream, calling fn for each entry in order
// (data is a fresh slice fn may keep); the checksum is checked at the end.
func readLog(r io.Reader, fn func(index, term uint64, data []byte) error) error {
	h := sha256.New()
	magic := make([]byte, len(logMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != logMagic {
		return fmt.Errorf("%w: no %s header (%v)", errBadBackup, logMagic, err)
	}
	h.Write(magic)
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return fmt.Errorf("%w: log stream truncated: %v", errBadBackup, err)
		}
		n := binary.BigEndian.Uint32(hdr[1:])
		if n > 1<<30 {
			return fmt.Errorf("%w: log frame of %d bytes", errBadBackup, n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return fmt.Errorf("%w: log stream truncated: %v", errBadBackup, err)
		}
		switch hdr[0] {
		case 'L':
			if n < 16 {
				return fmt.Errorf("%w: short log entry", errBadBackup)
			}
			if err := fn(binary.BigEndian.Uint64(payload), binary.BigEndian.Uint64(payload[8:]), payload[16:]); err != nil {
				return err
			}
		case 'E':
			if string(payload) != string(h.Sum(nil)) {
				return fmt.Errorf("%w: log stream checksum mismatch", errBadBackup)
			}
			return nil
		default:
			return fmt.Errorf("%w: unknown log frame %q", errBadBackup, hdr[0])
		}
		h.Write(hdr[:])
		h.Write(payload)
	}
}

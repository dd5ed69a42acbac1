package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"logdb/kv"
	"logdb/raftlog"
)

// --log-archive DIR: before retention trims the log, the entries it is
// about to drop are written to DIR, one file per trim, in the format of
// BACKUP LOG (pitr.go): "<first>-<last>.log", 20-digit decimal indexes,
// written to a temporary name, fsynced and renamed. A trim waits for its
// archive: if writing fails, the log is not trimmed that round. So the
// window of point-in-time restore (logdb restore --until … --log-archive
// DIR) is bounded by the archive, not by --retention. Entries this node
// never had (it caught up from a snapshot) leave a gap, which is logged;
// archive from a node that has them. Pruning the archive is the
// operator's.

type logArchive struct {
	dir    string
	node   *raftlog.Node
	logger *slog.Logger
	next   uint64 // the first index not archived yet
}

// openLogArchive creates dir if needed and finds where archiving resumes.
func openLogArchive(dir string, node *raftlog.Node, logger *slog.Logger) (*logArchive, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--log-archive: %w", err)
	}
	files, err := archiveFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("--log-archive: %w", err)
	}
	a := &logArchive{dir: dir, node: node, logger: logger.With("component", "log-archive"), next: node.FirstIndex()}
	if len(files) > 0 {
		a.next = files[len(files)-1].last + 1
	}
	return a, nil
}

// archiveBelow archives every entry below index not archived yet.
func (a *logArchive) archiveBelow(index uint64) error {
	if first := a.node.FirstIndex(); a.next < first {
		a.logger.Warn("the archive has a gap: this node no longer holds the entries after the archive's end", "archived_through", a.next-1, "first_retained", first)
		a.next = first
	}
	if index <= a.next {
		return nil
	}
	from, through := a.next, index-1
	name := filepath.Join(a.dir, fmt.Sprintf("%020d-%020d.log", from, through))
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	err = writeLog(f, a.node, from, through)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err == nil {
		err = syncDirOf(name)
	}
	if err != nil {
		return fmt.Errorf("archive entries %d..%d: %w", from, through, err)
	}
	a.next = index
	return nil
}

type archiveFile struct {
	path        string
	first, last uint64
}

// archiveFiles lists dir's archive files in index order.
func archiveFiles(dir string) ([]archiveFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []archiveFile
	for _, e := range ents {
		var f archiveFile
		if !strings.HasSuffix(e.Name(), ".log") {
			continue
		}
		if _, err := fmt.Sscanf(e.Name(), "%020d-%020d.log", &f.first, &f.last); err != nil || f.last < f.first {
			continue
		}
		f.path = filepath.Join(dir, e.Name())
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	return out, nil
}

// replayArchive applies the archived entries from through through (or as
// far as the archive goes) to store and returns the next index to apply
// and the term of the last one applied (0 if none).
func replayArchive(dir string, store *kv.Store, from, through uint64) (next, term uint64, err error) {
	files, err := archiveFiles(dir)
	if err != nil {
		return from, 0, err
	}
	next = from
	var batch []kv.Entry
	apply := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := store.Apply(batch)
		batch = batch[:0]
		return err
	}
	for _, af := range files {
		if af.last < next || next > through {
			continue
		}
		if af.first > next {
			break // a gap: the rest must come from a node
		}
		f, err := os.Open(af.path)
		if err != nil {
			return next, term, err
		}
		err = readLog(f, func(index, t uint64, data []byte) error {
			if index < next || index > through {
				return nil
			}
			if index != next {
				return fmt.Errorf("%w: %s: entry %d where %d was expected", errBadBackup, af.path, index, next)
			}
			batch = append(batch, kv.Entry{Index: index, Data: data})
			next, term = index+1, t
			if len(batch) == logBatch {
				return apply()
			}
			return nil
		})
		f.Close()
		if err == nil {
			err = apply()
		}
		if err != nil {
			return next, term, fmt.Errorf("%s: %w", af.path, err)
		}
	}
	return next, term, nil
}

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"logdb/pgwire"
)

// errDataDirInUse is returned by lockDataDir when another process holds
// the data directory.
var errDataDirInUse = errors.New("data directory in use")

// lockFileName is the data directory's lock file: it holds the pid of the
// process that has the directory, locked with flock for as long as that
// process lives (the kernel drops the lock when it exits, however it
// exits, so a stale file never blocks a start).
const lockFileName = "logdb.pid"

// lockDataDir takes the data directory for this process, or fails with
// errDataDirInUse naming the process that has it. Two processes on one
// directory would each replay and append to the same WAL. release unlocks
// and removes the file.
func lockDataDir(dir string) (release func(), err error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(b))
			if pid == "" {
				pid = "unknown"
			}
			return nil, fmt.Errorf("%w by process %s (%s is locked); stop that process first", errDataDirInUse, pid, path)
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(fmt.Sprintf("%d\n", os.Getpid())), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	return func() {
		os.Remove(path) // before the unlock: a waiting start then recreates it
		f.Close()
	}, nil
}

// raiseFileLimit raises the soft open-file limit to the hard one (the Go
// runtime does so too on Linux; this says what it is) and returns the soft
// limit now in force, 0 if unknown. Every client connection, peer
// connection and WAL segment takes a descriptor.
func raiseFileLimit(logger *slog.Logger) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		logger.Warn("cannot read the open-file limit", "err", err)
		return 0
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			logger.Warn("cannot raise the open-file limit", "err", err)
			syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		}
	}
	return lim.Cur
}

// fdReserve is what the node keeps of its open-file limit for itself: the
// WAL's segments, the state database and its checkpoint, peers' and
// snapshot connections, the raft listener.
const fdReserve = 256

// fitConnections lowers want (--max-connections) so that client
// connections (sessions and the ones still starting: pgwire.StartupSlack)
// leave fdReserve descriptors of limit, logging when it does: a client must
// never be able to take the descriptor the next WAL segment needs.
// refusingBudget is how many sockets over the connection limit may be told
// FATAL 53300 at a time (pgwire's MaxRefusing): what the open-file limit
// leaves after the sessions, the startup slack and the node's own
// reserve, at most 8,192; at least 64.
func refusingBudget(maxConns int, limit uint64) int {
	if limit == 0 {
		return 8192
	}
	room := int64(limit) - fdReserve - pgwire.StartupSlack - int64(maxConns)
	return int(min(max(room, 64), 8192))
}

func fitConnections(want int, limit uint64, logger *slog.Logger) int {
	if limit == 0 {
		return want
	}
	room := int64(limit) - fdReserve - pgwire.StartupSlack
	if int64(want) <= room {
		return want
	}
	fit := int(max(room, 1))
	logger.Warn("--max-connections lowered to fit the open-file limit", "max_connections", want, "now", fit,
		"open_file_limit", limit, "reserved", fdReserve+pgwire.StartupSlack)
	return fit
}

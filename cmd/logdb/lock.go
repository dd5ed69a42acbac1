package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

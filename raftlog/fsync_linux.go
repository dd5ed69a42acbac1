//go:build linux

package raftlog

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data (and the metadata needed to read it back, such
// as its size) without forcing unrelated metadata such as mtime.
func fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = syscall.Fdatasync(int(fd))
			if serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return serr
}

// preallocate reserves size bytes for f (zero-filled, extending its size)
// where the filesystem supports it; elsewhere it does nothing.
func preallocate(f *os.File, size int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Fallocate(int(fd), 0, 0, size)
			if ferr != syscall.EINTR {
				break
			}
		}
		if ferr == syscall.EOPNOTSUPP || ferr == syscall.ENOSYS {
			ferr = nil
		}
	}); err != nil {
		return err
	}
	return ferr
}

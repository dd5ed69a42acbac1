package raftlog

import (
	"net"
	"syscall"
	"time"
)

// setUserTimeout sets TCP_USER_TIMEOUT on c: once sent data (a heartbeat,
// a keepalive probe) has gone unacknowledged for d, the kernel fails the
// connection instead of retransmitting with exponential backoff for
// minutes. A connection that outlived a partition in backoff (rto 13 s)
// kept a healed node cut off for ~12 s (issue 19).
func setUserTimeout(c net.Conn, d time.Duration) error {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeoutOpt, int(d.Milliseconds()))
	})
	if err != nil {
		return err
	}
	return serr
}

// tcpUserTimeoutOpt is TCP_USER_TIMEOUT (linux/tcp.h; the same on every
// architecture), which package syscall names only on some.
const tcpUserTimeoutOpt = 0x12

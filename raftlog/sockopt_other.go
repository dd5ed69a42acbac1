//go:build !linux

package raftlog

import (
	"net"
	"time"
)

// setUserTimeout is Linux's TCP_USER_TIMEOUT; elsewhere keepalives alone
// bound how long a dead connection lives.
func setUserTimeout(c net.Conn, d time.Duration) error { return nil }

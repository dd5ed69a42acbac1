package pgwire

import (
	"errors"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Notifier is implemented by a Session that supports LISTEN. pgwire calls
// SetNotifier once, right after NewSession. The Session calls notify from
// any goroutine (typically when a NOTIFY on a channel it listens to
// commits); pgwire sends the NotificationResponse at once when the
// connection is idle outside a transaction block, else just before its
// next ReadyForQuery that ends the block (PostgreSQL holds notifications
// while the listener is in a transaction), in call order. pid is the
// notifying session's BackendKeyData process id.
type Notifier interface {
	SetNotifier(notify func(pid uint32, channel, payload string))
}

// maxPendingNotifications and maxPendingNotificationBytes (channels and
// payloads) bound the notifications queued for a client that does not read
// them, or that stays in a transaction block; beyond them the oldest are
// dropped, with a warning in the log.
const (
	maxPendingNotifications     = 100_000
	maxPendingNotificationBytes = 16 << 20
)

type notification struct {
	pid              uint32
	channel, payload string
}

// notify queues a notification and, when the connection is blocked waiting
// for the client, interrupts that read so the goroutine sends it.
func (c *conn) notify(pid uint32, channel, payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.terminal != nil {
		return // the connection is ending or gone
	}
	size := len(channel) + len(payload)
	for len(c.pending) > 0 && (len(c.pending) >= maxPendingNotifications || c.pendingBytes+size > maxPendingNotificationBytes) {
		if !c.droppedNotify {
			c.droppedNotify = true
			c.srv.log.Warn("client is not reading notifications; dropping the oldest", "pid", c.pid)
		}
		c.pendingBytes -= len(c.pending[0].channel) + len(c.pending[0].payload)
		c.pending[0] = notification{}
		c.pending = c.pending[1:]
	}
	c.pending = append(c.pending, notification{pid, channel, payload})
	c.pendingBytes += size
	if c.state == stateIdle && !c.inTxn {
		c.interruptLocked()
	}
}

// interruptLocked makes a blocked read of the idle connection return at
// once with a deadline error. c.mu is held.
func (c *conn) interruptLocked() {
	if !c.interrupted {
		c.interrupted = true
		c.nc.SetReadDeadline(aLongTimeAgo)
	}
}

// clearInterruptLocked undoes interruptLocked, so later reads block again.
// c.mu is held.
func (c *conn) clearInterruptLocked() {
	if c.interrupted {
		c.interrupted = false
		c.nc.SetReadDeadline(time.Time{})
	}
}

// takeNotifications returns the queued notifications, emptying the queue.
// None while the session is in a transaction block: they wait for its end.
func (c *conn) takeNotificationsLocked() []notification {
	if c.inTxn {
		return nil
	}
	p := c.pending
	c.pending = nil
	c.pendingBytes = 0
	c.droppedNotify = false
	return p
}

func (c *conn) sendNotifications(ns []notification) {
	for _, n := range ns {
		c.w.send(&pgproto3.NotificationResponse{PID: n.pid, Channel: n.channel, Payload: n.payload})
	}
}

// wokenToNotify is called when a read of an idle connection failed: if a
// notification (not a shutdown, not the socket) interrupted it, the
// notifications are sent, the read is re-armed, and it returns true.
func (c *conn) wokenToNotify() bool {
	if !errors.Is(c.rd.socketError(), os.ErrDeadlineExceeded) {
		return false
	}
	c.mu.Lock()
	if c.srv.shuttingDown.Load() || c.terminal != nil || !c.interrupted {
		c.mu.Unlock()
		return false
	}
	c.clearInterruptLocked()
	ns := c.takeNotificationsLocked()
	c.mu.Unlock()
	c.rd.clearSocketError()
	c.sendNotifications(ns)
	c.w.flush()
	return c.w.err == nil
}

package notify

import (
	"logdb/kv"
	"logdb/sql/pgerror"
)

// Limits (see doc.go).
const (
	// MaxChannelBytes is PostgreSQL's NAMEDATALEN - 1.
	MaxChannelBytes = 63
	// MaxPayloadBytes is the longest payload: PostgreSQL's
	// NOTIFY_PAYLOAD_MAX_LENGTH (8000) less its terminating zero byte.
	MaxPayloadBytes = 7999
	// MaxPerTxn bounds the distinct notifications of one transaction.
	MaxPerTxn = 100_000
	// MaxBytesPerTxn bounds the channel and payload bytes of one
	// transaction's distinct notifications.
	MaxBytesPerTxn = 16 << 20
)

// Check validates a notification's channel and payload as PostgreSQL's
// Async_Notify does (22023).
func Check(channel, payload string) error {
	switch {
	case channel == "":
		return pgerror.New(pgerror.InvalidParameterValue, "channel name cannot be empty")
	case len(channel) > MaxChannelBytes:
		return pgerror.New(pgerror.InvalidParameterValue, "channel name too long")
	case len(payload) > MaxPayloadBytes:
		return pgerror.New(pgerror.InvalidParameterValue, "payload string too long")
	}
	return nil
}

// Pending is one transaction's notifications and LISTEN/UNLISTEN actions,
// applied when it commits. The zero value is empty and ready; a nil
// *Pending is empty too for the methods that only read (Mark, RollbackTo,
// Has*, Notifications), so a transaction need not make one until it
// notifies.
type Pending struct {
	notes   []kv.Notification // distinct (channel, payload), first occurrence order; PID unset
	index   map[noteKey]struct{}
	bytes   int
	actions []action
}

type noteKey struct{ channel, payload string }

// hashAbove: up to this many notifications duplicates are found by a
// linear search (PostgreSQL's MIN_HASHABLE_NOTIFIES is 16), beyond it by
// a map.
const hashAbove = 16

type actionOp uint8

const (
	opListen actionOp = iota
	opUnlisten
	opUnlistenAll
)

type action struct {
	op      actionOp
	channel string
}

// Mark is a position in a Pending, taken at a savepoint.
type Mark struct{ notes, actions int }

// Notify adds a notification, unless the transaction already has an equal
// one (PostgreSQL collapses duplicates within a transaction, keeping the
// first).
func (p *Pending) Notify(channel, payload string) error {
	if err := Check(channel, payload); err != nil {
		return err
	}
	if p.has(channel, payload) {
		return nil
	}
	size := len(channel) + len(payload)
	if len(p.notes) >= MaxPerTxn || p.bytes+size > MaxBytesPerTxn {
		return &pgerror.Error{Code: pgerror.ProgramLimitExceeded, Message: "too many notifications in one transaction",
			Detail: "A transaction may send at most 100000 distinct notifications and 16 MB of channel names and payloads."}
	}
	p.notes = append(p.notes, kv.Notification{Channel: channel, Payload: payload})
	p.bytes += size
	if p.index != nil {
		p.index[noteKey{channel, payload}] = struct{}{}
	} else if len(p.notes) > hashAbove {
		p.index = make(map[noteKey]struct{}, 2*len(p.notes))
		for _, n := range p.notes {
			p.index[noteKey{n.Channel, n.Payload}] = struct{}{}
		}
	}
	return nil
}

func (p *Pending) has(channel, payload string) bool {
	if p.index != nil {
		_, ok := p.index[noteKey{channel, payload}]
		return ok
	}
	for _, n := range p.notes {
		if n.Channel == channel && n.Payload == payload {
			return true
		}
	}
	return false
}

// Listen, Unlisten and UnlistenAll record LISTEN ch, UNLISTEN ch and
// UNLISTEN *, applied by Listener.Commit.
func (p *Pending) Listen(channel string) { p.actions = append(p.actions, action{opListen, channel}) }
func (p *Pending) Unlisten(channel string) {
	p.actions = append(p.actions, action{opUnlisten, channel})
}
func (p *Pending) UnlistenAll() { p.actions = append(p.actions, action{op: opUnlistenAll}) }

// Mark returns the current position, for RollbackTo.
func (p *Pending) Mark() Mark {
	if p == nil {
		return Mark{}
	}
	return Mark{len(p.notes), len(p.actions)}
}

// RollbackTo forgets the notifications and actions added after m.
func (p *Pending) RollbackTo(m Mark) {
	if p == nil {
		return
	}
	if m.notes < len(p.notes) {
		for _, n := range p.notes[m.notes:] {
			p.bytes -= len(n.Channel) + len(n.Payload)
			if p.index != nil {
				delete(p.index, noteKey{n.Channel, n.Payload})
			}
		}
		clear(p.notes[m.notes:])
		p.notes = p.notes[:m.notes]
	}
	if m.actions < len(p.actions) {
		p.actions = p.actions[:m.actions]
	}
}

// HasNotifications reports whether there is a notification to send.
func (p *Pending) HasNotifications() bool { return p != nil && len(p.notes) > 0 }

// HasActions reports whether there is a LISTEN or UNLISTEN to apply.
func (p *Pending) HasActions() bool { return p != nil && len(p.actions) > 0 }

// Notifications returns the notifications to put in the transaction's
// command, each with the notifying session's pid.
func (p *Pending) Notifications(pid uint32) []kv.Notification {
	if p == nil || len(p.notes) == 0 {
		return nil
	}
	out := make([]kv.Notification, len(p.notes))
	for i, n := range p.notes {
		out[i] = kv.Notification{PID: pid, Channel: n.Channel, Payload: n.Payload}
	}
	return out
}

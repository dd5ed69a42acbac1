package notify

import (
	"slices"
	"sync"
	"sync/atomic"

	"logdb/kv"
)

// DeliverFunc hands one notification to a session's client. It is called
// on the apply goroutine with the registry's read lock held: it must
// return at once (queue, never block) and must not call the registry.
type DeliverFunc func(pid uint32, channel, payload string)

// Registry is one node's listening sessions, by channel.
type Registry struct {
	mu       sync.RWMutex
	channels map[string]map[*Listener]struct{}

	delivered atomic.Uint64 // notifications handed to listeners
	applied   atomic.Uint64 // notifications in applied entries
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{channels: map[string]map[*Listener]struct{}{}}
}

// Listener is one session's LISTEN state.
type Listener struct {
	r        *Registry
	deliver  DeliverFunc
	channels []string // committed LISTENs, in LISTEN order; guarded by r.mu
}

// NewListener returns a listener that hands its notifications to deliver
// (nil: they are dropped). It listens to nothing until Commit.
func (r *Registry) NewListener(deliver DeliverFunc) *Listener {
	return &Listener{r: r, deliver: deliver}
}

// Commit applies the LISTEN and UNLISTEN actions of p, in order, at once:
// notifications applied from now on reach the channels listened to. It
// returns undo, which restores the channels as they were (the commit
// failed).
func (l *Listener) Commit(p *Pending) (undo func()) {
	if !p.HasActions() {
		return func() {}
	}
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	before := slices.Clone(l.channels)
	for _, a := range p.actions {
		switch a.op {
		case opListen:
			if !slices.Contains(l.channels, a.channel) {
				l.channels = append(l.channels, a.channel)
			}
		case opUnlisten:
			if i := slices.Index(l.channels, a.channel); i >= 0 {
				l.channels = slices.Delete(l.channels, i, i+1)
			}
		case opUnlistenAll:
			l.channels = l.channels[:0]
		}
	}
	r.setLocked(l, before, l.channels)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		now := l.channels
		l.channels = before
		r.setLocked(l, now, before)
	}
}

// setLocked moves l's registrations from the channels in old to those in
// now. r.mu is held.
func (r *Registry) setLocked(l *Listener, old, now []string) {
	for _, ch := range old {
		if !slices.Contains(now, ch) {
			if set := r.channels[ch]; set != nil {
				delete(set, l)
				if len(set) == 0 {
					delete(r.channels, ch)
				}
			}
		}
	}
	for _, ch := range now {
		set := r.channels[ch]
		if set == nil {
			set = map[*Listener]struct{}{}
			r.channels[ch] = set
		}
		set[l] = struct{}{}
	}
}

// Channels returns the channels l listens to, in LISTEN order
// (pg_listening_channels).
func (l *Listener) Channels() []string {
	l.r.mu.RLock()
	defer l.r.mu.RUnlock()
	return slices.Clone(l.channels)
}

// Close stops l listening (the session ended).
func (l *Listener) Close() {
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	r.setLocked(l, l.channels, nil)
	l.channels = nil
}

// Deliver hands notifications to the listeners of their channels, in
// order. Calls must come in apply order, from one goroutine.
func (r *Registry) Deliver(ns []kv.Notification) {
	if len(ns) == 0 {
		return
	}
	r.applied.Add(uint64(len(ns)))
	var n uint64
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.channels) == 0 {
		return
	}
	for i := range ns {
		m := &ns[i]
		for l := range r.channels[m.Channel] {
			if l.deliver != nil {
				l.deliver(m.PID, m.Channel, m.Payload)
				n++
			}
		}
	}
	r.delivered.Add(n)
}

// Applied delivers the notifications of the entries that applied (results
// from kv.Store.Apply for the same entries, nil Err). It is called on the
// apply goroutine after each batch, in log order. An entry that does not
// decode is skipped: kv.Store.Apply has decoded it already, so it cannot
// happen.
func (r *Registry) Applied(entries []kv.Entry, results []kv.Result) {
	for i := range entries {
		if i >= len(results) || results[i].Err != nil {
			continue
		}
		ns, err := kv.EntryNotifications(entries[i].Data)
		if err != nil {
			continue
		}
		r.Deliver(ns)
	}
}

// Stats are the registry's counters.
type Stats struct {
	Channels  int    // channels somebody listens to on this node
	Applied   uint64 // notifications in entries applied by this node
	Delivered uint64 // notifications handed to this node's listeners
}

// Stats returns the registry's counters.
func (r *Registry) Stats() Stats {
	r.mu.RLock()
	n := len(r.channels)
	r.mu.RUnlock()
	return Stats{Channels: n, Applied: r.applied.Load(), Delivered: r.delivered.Load()}
}

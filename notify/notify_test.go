package notify

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"logdb/kv"
	"logdb/sql/pgerror"
)

func notes(p *Pending) []string {
	var out []string
	for _, n := range p.Notifications(7) {
		out = append(out, n.Channel+":"+n.Payload)
	}
	return out
}

func TestPendingCollapsesDuplicates(t *testing.T) {
	var p Pending
	for _, s := range []string{"x:1", "x:1", "x:2", "x:1", "x:", "y:1", "x:"} {
		ch, pl, _ := strings.Cut(s, ":")
		if err := p.Notify(ch, pl); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(notes(&p)); got != "[x:1 x:2 x: y:1]" {
		t.Fatal(got)
	}
	// Past hashAbove the map takes over; rolling back removes from it.
	for i := range 40 {
		p.Notify("big", fmt.Sprint(i))
	}
	m := p.Mark()
	for i := range 60 {
		p.Notify("big", fmt.Sprint(i)) // 0..39 are duplicates
	}
	if len(p.notes) != 4+60 {
		t.Fatalf("%d notifications", len(p.notes))
	}
	p.RollbackTo(m)
	if len(p.notes) != 44 || len(p.index) != 44 {
		t.Fatalf("after rollback: %d notifications, %d indexed", len(p.notes), len(p.index))
	}
	p.Notify("big", "50") // no longer a duplicate
	if len(p.notes) != 45 {
		t.Fatal("rolled-back notification still collapses")
	}
	for _, n := range p.Notifications(99) {
		if n.PID != 99 {
			t.Fatal(n)
		}
	}
	var none *Pending
	none.RollbackTo(none.Mark())
	if none.HasNotifications() || none.HasActions() || none.Notifications(1) != nil || NewRegistry().NewListener(nil).Commit(none) == nil {
		t.Fatal("nil Pending is not empty")
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		ch, payload, msg string
	}{
		{"", "x", "channel name cannot be empty"},
		{strings.Repeat("c", 64), "x", "channel name too long"},
		{"c", strings.Repeat("p", 8000), "payload string too long"},
		{strings.Repeat("c", 63), strings.Repeat("p", 7999), ""},
	}
	for _, c := range cases {
		err := Check(c.ch, c.payload)
		if c.msg == "" {
			if err != nil {
				t.Errorf("%d/%d: %v", len(c.ch), len(c.payload), err)
			}
			continue
		}
		if err == nil || err.Error() != c.msg || pgerror.Code(err) != pgerror.InvalidParameterValue {
			t.Errorf("%d/%d: %v, want 22023 %s", len(c.ch), len(c.payload), err, c.msg)
		}
	}
}

func TestPendingLimits(t *testing.T) {
	var p Pending
	for i := range MaxPerTxn {
		if err := p.Notify("c", fmt.Sprint(i)); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if err := p.Notify("c", "0"); err != nil {
		t.Fatalf("a duplicate at the limit: %v", err)
	}
	if err := p.Notify("c", "one more"); pgerror.Code(err) != pgerror.ProgramLimitExceeded {
		t.Fatalf("past the count: %v", err)
	}
	var q Pending
	big := strings.Repeat("p", MaxPayloadBytes)
	var err error
	for i := 0; err == nil; i++ {
		err = q.Notify(fmt.Sprint(i), big)
	}
	if pgerror.Code(err) != pgerror.ProgramLimitExceeded || q.bytes > MaxBytesPerTxn || q.bytes+len(big)+8 < MaxBytesPerTxn {
		t.Fatalf("past the bytes: %v at %d bytes", err, q.bytes)
	}
}

type inbox struct {
	mu  sync.Mutex
	got []string
}

func (b *inbox) deliver(pid uint32, ch, payload string) {
	b.mu.Lock()
	b.got = append(b.got, fmt.Sprintf("%d/%s:%s", pid, ch, payload))
	b.mu.Unlock()
}

func (b *inbox) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.Join(b.got, " ")
	b.got = nil
	return s
}

func entry(index uint64, ns ...kv.Notification) kv.Entry {
	return kv.Entry{Index: index, Data: kv.EncodeCommand(&kv.Command{Kind: kv.KindTxn, Notifications: ns})}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	var a, b inbox
	la, lb := r.NewListener(a.deliver), r.NewListener(b.deliver)
	var p Pending
	p.Listen("x")
	p.Listen("y")
	p.Listen("x")
	la.Commit(&p)
	if got := la.Channels(); !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Fatal(got)
	}
	var q Pending
	q.Listen("y")
	lb.Commit(&q)

	ents := []kv.Entry{
		entry(1, kv.Notification{PID: 5, Channel: "x", Payload: "1"}, kv.Notification{PID: 5, Channel: "y", Payload: "2"}),
		entry(2, kv.Notification{PID: 6, Channel: "y", Payload: "conflict"}),
		{Index: 3},
		{Index: 4, Data: kv.EncodeCommand(&kv.Command{Kind: kv.KindTxn})},
		entry(5, kv.Notification{PID: 6, Channel: "z", Payload: "nobody"}, kv.Notification{PID: 6, Channel: "x", Payload: "3"}),
	}
	res := []kv.Result{{}, {Err: kv.ErrConflict}, {}, {}, {}}
	r.Applied(ents, res)
	if got := a.take(); got != "5/x:1 5/y:2 6/x:3" {
		t.Fatal(got)
	}
	if got := b.take(); got != "5/y:2" {
		t.Fatal(got)
	}

	// UNLISTEN y, then a commit that fails: undo listens to y again.
	var u Pending
	u.Unlisten("y")
	u.Listen("w")
	undo := la.Commit(&u)
	if got := la.Channels(); !reflect.DeepEqual(got, []string{"x", "w"}) {
		t.Fatal(got)
	}
	undo()
	if got := la.Channels(); !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Fatal(got)
	}
	r.Deliver([]kv.Notification{{PID: 1, Channel: "w", Payload: "no"}, {PID: 1, Channel: "y", Payload: "yes"}})
	if got := a.take(); got != "1/y:yes" {
		t.Fatal(got)
	}
	if got := b.take(); got != "1/y:yes" {
		t.Fatal(got)
	}

	var all Pending
	all.UnlistenAll()
	la.Commit(&all)
	lb.Close()
	if len(la.Channels()) != 0 {
		t.Fatal(la.Channels())
	}
	r.Deliver([]kv.Notification{{Channel: "x"}, {Channel: "y"}})
	if a.take() != "" || b.take() != "" {
		t.Fatal("delivered after UNLISTEN * and Close")
	}
	if st := r.Stats(); st.Channels != 0 || st.Delivered != 6 || st.Applied != 8 {
		t.Fatalf("%+v", st)
	}
}

// TestRegistryConcurrent: listeners come and go while entries are
// delivered (go test -race).
func TestRegistryConcurrent(t *testing.T) {
	r := NewRegistry()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b inbox
			for {
				select {
				case <-stop:
					return
				default:
				}
				l := r.NewListener(b.deliver)
				var p Pending
				p.Listen(fmt.Sprint(i % 2))
				undo := l.Commit(&p)
				l.Channels()
				undo()
				l.Commit(&p)
				l.Close()
				b.take()
			}
		}()
	}
	for i := range 2000 {
		r.Deliver([]kv.Notification{{Channel: fmt.Sprint(i % 2), Payload: "p"}})
	}
	close(stop)
	wg.Wait()
	if st := r.Stats(); st.Channels != 0 {
		t.Fatalf("%+v", st)
	}
}

package kv

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func sampleCommands() []*Command {
	return []*Command{
		{Kind: KindTxn},
		{
			Kind: KindTxn, SnapshotIndex: 1 << 40, CommitTime: -5,
			Reads:  []Read{{Space: 1000, Key: []byte("a")}, {Space: 7, Key: []byte{0, 0xff}}},
			Ranges: []Range{{Space: 1000, Start: []byte("a"), End: []byte("b")}, {Space: 1001, End: []byte{}}, {Space: 2}},
			Writes: []Write{
				{Space: 1000, Key: []byte("k1"), Value: []byte("v1")},
				{Space: 1000, Key: []byte("k2"), Value: []byte{}, Before: []byte{}},
				{Space: 1002, Key: []byte("k3"), Delete: true, Before: []byte("old")},
			},
			Drops:    []Space{1003, 4000000000},
			Messages: []Message{{Transactional: true, Prefix: "p", Content: []byte("hello")}, {Prefix: "", Content: nil}},
		},
		{Kind: KindIncrement, Space: SequenceSpace, Key: []byte("seq"), Delta: -3, CommitTime: 17},
		{Kind: KindMessage, Messages: []Message{{Prefix: "x", Content: []byte{1, 2}}}},
		{Kind: KindMessage, Messages: []Message{{Prefix: "x", Content: []byte{1}, Database: 16384}, {Transactional: true, Prefix: "y", Database: 1 << 31}}},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for i, c := range sampleCommands() {
		data := EncodeCommand(c)
		if data[0] != commandFormatV1 {
			t.Fatalf("%d: version byte %d", i, data[0])
		}
		got, err := DecodeCommand(data)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(c)) {
			t.Fatalf("%d: round trip\n got %+v\nwant %+v", i, got, c)
		}
		// Nil and empty befores differ: an insert versus an empty old value.
		for j := range c.Writes {
			if (c.Writes[j].Before == nil) != (got.Writes[j].Before == nil) {
				t.Fatalf("%d: write %d before nil-ness lost", i, j)
			}
		}
		for j := range c.Ranges {
			if (c.Ranges[j].End == nil) != (got.Ranges[j].End == nil) {
				t.Fatalf("%d: range %d end nil-ness lost", i, j)
			}
		}
		if again := EncodeCommand(got); !bytes.Equal(again, data) {
			t.Fatalf("%d: re-encoding differs", i)
		}
	}
}

// normalize maps empty byte slices to nil where the codec does not keep the
// difference (keys, values, contents).
func normalize(c *Command) *Command {
	n := *c
	nz := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		return b
	}
	n.Reads = append([]Read(nil), c.Reads...)
	for i := range n.Reads {
		n.Reads[i].Key = nz(n.Reads[i].Key)
	}
	n.Ranges = append([]Range(nil), c.Ranges...)
	for i := range n.Ranges {
		n.Ranges[i].Start = nz(n.Ranges[i].Start)
		if n.Ranges[i].End != nil {
			n.Ranges[i].End = append([]byte{}, n.Ranges[i].End...)
		}
	}
	n.Writes = append([]Write(nil), c.Writes...)
	for i := range n.Writes {
		w := &n.Writes[i]
		w.Key, w.Value = nz(w.Key), nz(w.Value)
		if w.Before != nil {
			w.Before = append([]byte{}, w.Before...)
		}
	}
	n.Messages = append([]Message(nil), c.Messages...)
	for i := range n.Messages {
		n.Messages[i].Content = nz(n.Messages[i].Content)
	}
	n.Key = nz(n.Key)
	if len(n.Notifications) == 0 {
		n.Notifications = nil
	}
	if len(n.Reads) == 0 {
		n.Reads = nil
	}
	if len(n.Ranges) == 0 {
		n.Ranges = nil
	}
	if len(n.Writes) == 0 {
		n.Writes = nil
	}
	if len(n.Messages) == 0 {
		n.Messages = nil
	}
	if len(n.Drops) == 0 {
		n.Drops = nil
	}
	return &n
}

// TestCodecNotifications: a command with notifications is written as V3
// and round-trips (with merges too); one without stays V1 or V2, so logs
// written before notifications existed read the same, and older entries
// carry none.
func TestCodecNotifications(t *testing.T) {
	ns := []Notification{{PID: 1001, Channel: "jobs", Payload: "42"}, {PID: 1 << 31, Channel: "x", Payload: ""}, {Channel: "é", Payload: string(bytes.Repeat([]byte{'p'}, 7999))}}
	cmds := []*Command{
		{Kind: KindTxn, CommitTime: 9, Notifications: ns},
		{Kind: KindTxn, SnapshotIndex: 5, Reads: []Read{{Space: 1000, Key: []byte("a")}},
			Writes:        []Write{{Space: 1000, Key: []byte("k"), Value: []byte("op"), Merge: true}},
			Messages:      []Message{{Transactional: true, Prefix: "p", Content: []byte("m")}},
			Notifications: ns[:1]},
	}
	for i, c := range cmds {
		data := EncodeCommand(c)
		if data[0] != commandFormatV3 {
			t.Fatalf("%d: version byte %d, want 3", i, data[0])
		}
		if len(data) > encodedSize(c) {
			t.Fatalf("%d: %d bytes, size bound %d", i, len(data), encodedSize(c))
		}
		got, err := DecodeCommand(data)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(c)) {
			t.Fatalf("%d: round trip\n got %+v\nwant %+v", i, got, c)
		}
		en, err := EntryNotifications(data)
		if err != nil || !reflect.DeepEqual(en, c.Notifications) {
			t.Fatalf("%d: EntryNotifications = %v, %v", i, en, err)
		}
		for j := 0; j < len(data); j++ {
			if _, err := DecodeCommand(data[:j]); err == nil {
				t.Fatalf("%d: prefix %d accepted", i, j)
			}
		}
	}
	merge := &Command{Kind: KindTxn, Writes: []Write{{Space: 1000, Key: []byte("k"), Value: []byte("op"), Merge: true}}}
	if v := EncodeCommand(merge)[0]; v != commandFormatV2 {
		t.Fatalf("merge without notifications: version %d", v)
	}
	for i, c := range sampleCommands() {
		data := EncodeCommand(c)
		if en, err := EntryNotifications(data); en != nil || err != nil {
			t.Fatalf("%d: V1 entry gives notifications %v, %v", i, en, err)
		}
	}
	// A V1 entry written by a build before V3 (bytes fixed here) decodes
	// with no notifications.
	old := []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	c, err := DecodeCommand(old)
	if err != nil || c.Notifications != nil || c.Kind != KindTxn {
		t.Fatalf("old entry: %+v, %v", c, err)
	}
	// A pid beyond 32 bits is refused.
	bad := EncodeCommand(&Command{Kind: KindTxn, Notifications: []Notification{{Channel: "c"}}})
	bad = append(bad[:len(bad)-4], 0xff, 0xff, 0xff, 0xff, 0x1f, 1, 'c', 0)
	if _, err := DecodeCommand(bad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("pid beyond 32 bits: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := EncodeCommand(sampleCommands()[1])
	cases := map[string][]byte{
		"empty":      nil,
		"one byte":   {1},
		"version":    append([]byte{9}, good[1:]...),
		"kind":       append([]byte{1, 99}, good[2:]...),
		"truncated":  good[:len(good)-1],
		"trailing":   append(append([]byte{}, good...), 0),
		"huge count": {1, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
	}
	for name, data := range cases {
		if _, err := DecodeCommand(data); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
	// Every strict prefix of a valid encoding is rejected.
	for i := 0; i < len(good); i++ {
		if _, err := DecodeCommand(good[:i]); err == nil {
			t.Fatalf("prefix %d accepted", i)
		}
	}
}

func TestDecodeAliasingIsCapped(t *testing.T) {
	data := EncodeCommand(&Command{Kind: KindTxn, Writes: []Write{{Space: 1, Key: []byte("ab"), Value: []byte("cd")}}})
	orig := append([]byte{}, data...)
	c, err := DecodeCommand(data)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(c.Writes[0].Key, 'X', 'Y', 'Z')
	if !bytes.Equal(data, orig) {
		t.Fatal("append to a decoded key wrote into the entry")
	}
}

func FuzzDecodeCommand(f *testing.F) {
	for _, c := range sampleCommands() {
		f.Add(EncodeCommand(c))
	}
	f.Add(EncodeCommand(&Command{Kind: KindTxn, Notifications: []Notification{{PID: 7, Channel: "c", Payload: "p"}}}))
	f.Add([]byte{1, 1})
	f.Add(EncodeCommand(xidTxn(1<<XidSeqBits|1, "k", "v"))) // xid.go's formats
	f.Add(EncodeCommand(&Command{Kind: KindXidFence, Xid: 9}))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCommand(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		enc := EncodeCommand(c)
		c2, err := DecodeCommand(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !bytes.Equal(EncodeCommand(c2), enc) {
			t.Fatal("encoding is not stable")
		}
	})
}

func TestPrefixEnd(t *testing.T) {
	cases := []struct{ in, want []byte }{
		{nil, nil},
		{[]byte{}, nil},
		{[]byte{0xff, 0xff}, nil},
		{[]byte("ab"), []byte("ac")},
		{[]byte{1, 0xff}, []byte{2}},
		{[]byte{1, 0xfe, 0xff}, []byte{1, 0xff}},
	}
	for _, c := range cases {
		if got := PrefixEnd(c.in); !bytes.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", c.in, got, c.want)
		}
	}
}

// FuzzApply applies arbitrary entry payloads: Apply must never panic, and
// must either apply the entry or reject it with ErrCorrupt.
func FuzzApply(f *testing.F) {
	for _, c := range sampleCommands() {
		f.Add(EncodeCommand(c))
	}
	s := mustOpen(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := s.Apply([]Entry{{Index: s.AppliedIndex() + 1, Data: data}})
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("apply: %v", err)
		}
	})
}

// TestCommandFormatV4LockOp: a command with a LockOp (and every KindLock)
// is format 4 and round-trips; one without stays in its older format; a
// KindLock in an older format is corrupt.
func TestCommandFormatV4LockOp(t *testing.T) {
	lock := &Command{Kind: KindLock, LockOp: []byte{1, 2, 3}}
	enc := EncodeCommand(lock)
	if enc[0] != commandFormatV4 {
		t.Fatalf("KindLock encoded as format %d", enc[0])
	}
	got, err := DecodeCommand(enc)
	if err != nil || got.Kind != KindLock || string(got.LockOp) != "\x01\x02\x03" {
		t.Fatalf("decode: %+v, %v", got, err)
	}
	txn := &Command{Kind: KindTxn, SnapshotIndex: 5, Writes: []Write{{Space: FirstUserSpace, Key: []byte("k"), Value: []byte("v")}},
		Notifications: []Notification{{PID: 1, Channel: "c", Payload: "p"}}, LockOp: []byte{7}}
	got, err = DecodeCommand(EncodeCommand(txn))
	if err != nil || string(got.LockOp) != "\x07" || len(got.Notifications) != 1 || len(got.Writes) != 1 {
		t.Fatalf("txn with lock op: %+v, %v", got, err)
	}
	if v := EncodeCommand(&Command{Kind: KindTxn})[0]; v != commandFormatV1 {
		t.Fatalf("a plain command is format %d", v)
	}
	old := EncodeCommand(&Command{Kind: KindMessage})
	old[1] = byte(KindLock)
	if _, err := DecodeCommand(old); err == nil {
		t.Fatal("a KindLock in format 1 decoded")
	}
}

// TestCommandFormatV5RowLock: a KindLock with a snapshot (a row lock
// request) is format 5 and round-trips; format 5 is refused for any other
// command, and a format 4 lock command still decodes.
func TestCommandFormatV5RowLock(t *testing.T) {
	enc := EncodeCommand(&Command{Kind: KindLock, SnapshotIndex: 9, LockOp: []byte{8, 1}})
	if enc[0] != commandFormatV5 {
		t.Fatalf("row lock encoded as format %d", enc[0])
	}
	got, err := DecodeCommand(enc)
	if err != nil || got.SnapshotIndex != 9 || string(got.LockOp) != "\x08\x01" {
		t.Fatalf("decode: %+v, %v", got, err)
	}
	bad := EncodeCommand(&Command{Kind: KindLock, LockOp: []byte{1}})
	bad[0] = commandFormatV5 // no snapshot
	if _, err := DecodeCommand(bad); err == nil {
		t.Fatal("format 5 without a snapshot decoded")
	}
	if _, err := DecodeCommand(EncodeCommand(&Command{Kind: KindLock, LockOp: []byte{1}})); err != nil {
		t.Fatalf("format 4: %v", err)
	}
}

// TestEntryNotificationsWithLockOp: the NOTIFYs of a commit that carries a
// lock op (format 4: its session holds row or advisory locks) are found.
func TestEntryNotificationsWithLockOp(t *testing.T) {
	c := &Command{Kind: KindTxn, SnapshotIndex: 3, Writes: []Write{{Space: FirstUserSpace, Key: []byte("k"), Value: []byte("v")}},
		Notifications: []Notification{{PID: 7, Channel: "jobs", Payload: "42"}}, LockOp: []byte{7}}
	for _, data := range [][]byte{EncodeCommand(c), EncodeCommand(&Command{Kind: KindTxn, Xid: 5, Notifications: c.Notifications, LockOp: c.LockOp})} {
		ns, err := EntryNotifications(data)
		if err != nil || len(ns) != 1 || ns[0].Channel != "jobs" {
			t.Fatalf("format %d: %+v, %v", data[0], ns, err)
		}
	}
}

package replication

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want any
	}{
		{"IDENTIFY_SYSTEM", IdentifySystem{}},
		{"identify_system;", IdentifySystem{}},
		{`CREATE_REPLICATION_SLOT "debezium"  LOGICAL pgoutput `, CreateSlot{Name: "debezium", Plugin: "pgoutput", Snapshot: "export"}},
		{`CREATE_REPLICATION_SLOT "rl_slot" LOGICAL "test_decoding" ( SNAPSHOT 'nothing')`, CreateSlot{Name: "rl_slot", Plugin: "test_decoding", Snapshot: "nothing"}},
		{`CREATE_REPLICATION_SLOT s TEMPORARY LOGICAL pgoutput USE_SNAPSHOT`, CreateSlot{Name: "s", Temporary: true, Plugin: "pgoutput", Snapshot: "use"}},
		{`CREATE_REPLICATION_SLOT S LOGICAL pgoutput NOEXPORT_SNAPSHOT`, CreateSlot{Name: "s", Plugin: "pgoutput", Snapshot: "nothing"}},
		{`CREATE_REPLICATION_SLOT p PHYSICAL RESERVE_WAL`, CreateSlot{Name: "p", Physical: true, Snapshot: "export"}},
		{`DROP_REPLICATION_SLOT "x" WAIT`, DropSlot{Name: "x", Wait: true}},
		{`READ_REPLICATION_SLOT x`, ReadSlot{Name: "x"}},
		{`TIMELINE_HISTORY 1`, TimelineHistory{Timeline: 1}},
		{`START_REPLICATION SLOT "d" LOGICAL 0/1A2B ("proto_version" '1', "publication_names" 'a,b', "messages" 'true')`,
			StartReplication{Slot: "d", LSN: 0x1A2B, Options: [][2]string{{"proto_version", "1"}, {"publication_names", "a,b"}, {"messages", "true"}}}},
		{`START_REPLICATION SLOT s LOGICAL 1/0 (skip_empty_xacts)`, StartReplication{Slot: "s", LSN: 1 << 32, Options: [][2]string{{"skip_empty_xacts", ""}}}},
		{`START_REPLICATION 0/0 TIMELINE 1`, StartReplication{Physical: true}},
	} {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "IDENTIFY_SYSTEM x", `CREATE_REPLICATION_SLOT`, `CREATE_REPLICATION_SLOT s LOGICAL`,
		`START_REPLICATION SLOT s LOGICAL`, `START_REPLICATION SLOT s LOGICAL 0/0 (`, `DROP_REPLICATION_SLOT "`,
		`CREATE_REPLICATION_SLOT s LOGICAL p (SNAPSHOT 'x')`, `START_REPLICATION SLOT s LOGICAL 123456789/0`} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if IsCommand("SELECT 1") || !IsCommand("  start_replication x") || IsCommand(`"IDENTIFY_SYSTEM"`) {
		t.Error("IsCommand")
	}
}

// FuzzParse: no input makes the parser panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"IDENTIFY_SYSTEM", `CREATE_REPLICATION_SLOT "a" LOGICAL pgoutput (SNAPSHOT 'use')`,
		`START_REPLICATION SLOT a LOGICAL 0/0 ("x" 'y', z)`, `DROP_REPLICATION_SLOT a WAIT;`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		IsCommand(s)
		Parse(s)
	})
}

// FuzzClientMessage: no standby message from a client makes the stream
// panic; a malformed one is an error.
func FuzzClientMessage(f *testing.F) {
	f.Add([]byte{'r', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{'h', 1, 2})
	f.Add([]byte{'r', 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &confirmer{signal: make(chan struct{}, 1)}
		c.clientMessage(b)
	})
}

package types

import (
	"strconv"
	"testing"

	"logdb/sql/pgerror"
)

// The registry of record types is bounded: past the limit a new shape is
// 54000, while shapes already registered keep working.
func TestRecordTypesBounded(t *testing.T) {
	records.Lock()
	n := len(records.fields)
	records.Unlock()
	saved := recordTypeLimit
	recordTypeLimit = n + 3
	defer func() { recordTypeLimit = saved }()
	int8T := T{OID: Int8OID, Mod: -1}
	var first T
	for i := 0; i < 3; i++ {
		rt, err := RecordType([]RecordField{{Name: "bounded_" + strconv.Itoa(i), T: int8T}})
		if err != nil {
			t.Fatalf("shape %d: %v", i, err)
		}
		if i == 0 {
			first = rt
		}
	}
	if _, err := RecordType([]RecordField{{Name: "bounded_more", T: int8T}}); pgerror.Code(err) != pgerror.ProgramLimitExceeded {
		t.Fatalf("past the limit: %v, want 54000", err)
	}
	again, err := RecordType([]RecordField{{Name: "bounded_0", T: int8T}})
	if err != nil || again != first {
		t.Fatalf("a registered shape: %v, %v (want %v)", again, err, first)
	}
}

package changefeed

import (
	"fmt"
	"sort"
	"time"

	"logdb/kv"
)

// RetentionFloor computes the retention policy at now: the log may be
// truncated below index (raftlog.TruncateFront(index)), and lostSlots are
// the slots that held it back further than MaxSlotRetention allows.
//
// The floor is the first entry committed within Retention, lowered to the
// first entry each slot still needs (the one after its confirmed LSN, or
// the one holding it when mid-entry) — except slots needing entries older
// than MaxSlotRetention, which are lost instead. It never exceeds the
// applied index + 1 and never goes below FirstIndex. Retention 0 keeps
// everything (index = FirstIndex, no lost slots).
//
// The caller then, in this order: marks lostSlots lost (MarkSlotsLost in a
// committed transaction: slots are replicated state), calls
// TruncateFront(index) on the log, then kv's Store.PruneHistory(index).
// Active subscriptions without a slot do not hold the log: one that falls
// below the floor gets the retention error.
func (f *Feed) RetentionFloor(now time.Time) (index uint64, lostSlots []string, err error) {
	first := f.cfg.Log.FirstIndex()
	applied := f.cfg.Store.AppliedIndex()
	if f.cfg.Retention <= 0 || applied < first {
		return first, nil, nil
	}
	floor, err := f.firstCommittedAfter(now.Add(-f.cfg.Retention), first, applied)
	if err != nil {
		return first, nil, err
	}
	capFloor := first
	if f.cfg.MaxSlotRetention > 0 {
		if capFloor, err = f.firstCommittedAfter(now.Add(-f.cfg.MaxSlotRetention), first, applied); err != nil {
			return first, nil, err
		}
	}
	txn, err := f.cfg.Store.Begin()
	if err != nil {
		return first, nil, err
	}
	slots, err := f.Slots(txn)
	txn.Release()
	if err != nil {
		return first, nil, err
	}
	for _, s := range slots {
		if s.Lost {
			continue
		}
		need := IndexOf(s.ConfirmedLSN)
		if SeqOf(s.ConfirmedLSN) == MaxSeq {
			need++
		}
		if need >= floor {
			continue
		}
		if f.cfg.MaxSlotRetention > 0 && need < capFloor {
			lostSlots = append(lostSlots, s.Name)
			continue
		}
		floor = need
	}
	return max(floor, first), lostSlots, nil
}

// firstCommittedAfter returns the first index in [lo, hi] whose entry was
// committed after cutoff (hi+1 when none), by binary search: commit times
// follow the log order (proposers' clocks aside). Entries without a commit
// time take the next one's.
func (f *Feed) firstCommittedAfter(cutoff time.Time, lo, hi uint64) (uint64, error) {
	var searchErr error
	n := int(hi - lo + 1)
	i := sort.Search(n, func(k int) bool {
		if searchErr != nil {
			return true
		}
		t, err := f.commitTimeFrom(lo+uint64(k), hi)
		if err != nil {
			searchErr = err
			return true
		}
		return t.IsZero() || t.After(cutoff)
	})
	return lo + uint64(i), searchErr
}

// commitTimeFrom returns the commit time of the first entry at or after
// index (up to hi) that has one; zero when none does.
func (f *Feed) commitTimeFrom(index, hi uint64) (time.Time, error) {
	for lo := index; lo <= hi; lo += 16 {
		ents, err := f.cfg.Log.Entries(lo, min(lo+16, hi+1))
		if err != nil {
			return time.Time{}, fmt.Errorf("changefeed: retention: %w", err)
		}
		for _, e := range ents {
			if len(e.Data) == 0 {
				continue
			}
			c, err := kv.DecodeCommand(e.Data)
			if err != nil {
				return time.Time{}, fmt.Errorf("changefeed: retention: entry %d: %w", e.Index, err)
			}
			if c.CommitTime != 0 {
				return commitTime(c), nil
			}
		}
	}
	return time.Time{}, nil
}

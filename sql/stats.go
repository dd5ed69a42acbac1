package sql

import (
	"sync"
	"sync/atomic"

	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
)

// Statistics behind pg_stat_database and pg_stat_user_tables: counters of
// this node since it started (as PostgreSQL's are per server), counting
// the transactions run through its sessions. Changed rows are counted when
// their transaction commits (PostgreSQL also counts those of aborted ones),
// and writes undone by ROLLBACK TO still count; scans and the rows they
// read count whatever the outcome. A full scan is a seq_scan; a lookup or
// range by primary key or index an idx_scan.

// engineStats are the Engine's counters; every field is atomic or
// guarded by its own map's synchronization.
type engineStats struct {
	dbs    [2]dbStats // [0] logdb, [1] postgres: the two names of the one database
	tables sync.Map   // table OID → *tableStats
}

type dbStats struct {
	commits, rollbacks, sessions atomic.Int64
	ins, upd, del                atomic.Int64
	returned, fetched            atomic.Int64 // rows read by full scans, by key or index lookups
}

type tableStats struct {
	ins, upd, del                       atomic.Int64
	seqScan, seqRead, idxScan, idxFetch atomic.Int64
}

func (st *engineStats) db(name string) *dbStats {
	if name == "postgres" {
		return &st.dbs[1]
	}
	return &st.dbs[0]
}

// txnEnded counts a transaction of session s; rows are those it changed
// (added to the table counters only when it committed).
func (e *Engine) txnEnded(db string, committed bool, rows []exec.RowCounts) {
	d := e.stats.db(db)
	if committed {
		d.commits.Add(1)
	} else {
		d.rollbacks.Add(1)
	}
	for _, r := range rows {
		v, ok := e.stats.tables.Load(r.Oid)
		if !ok {
			v, _ = e.stats.tables.LoadOrStore(r.Oid, &tableStats{})
		}
		ts := v.(*tableStats)
		// Scans count whatever the outcome, as in PostgreSQL.
		ts.seqScan.Add(r.SeqScan)
		ts.seqRead.Add(r.SeqRead)
		ts.idxScan.Add(r.IdxScan)
		ts.idxFetch.Add(r.IdxFetch)
		d.returned.Add(r.SeqRead)
		d.fetched.Add(r.IdxFetch)
		if !committed {
			continue
		}
		ts.ins.Add(r.Ins)
		ts.upd.Add(r.Upd)
		ts.del.Add(r.Del)
		d.ins.Add(r.Ins)
		d.upd.Add(r.Upd)
		d.del.Add(r.Del)
	}
}

// databaseStats fills pg_stat_database's counters for database name.
func (e *Engine) databaseStats(name string) pgcatalog.DatabaseStats {
	d := e.stats.db(name)
	out := pgcatalog.DatabaseStats{
		XactCommit: d.commits.Load(), XactRollback: d.rollbacks.Load(), Sessions: d.sessions.Load(),
		TupInserted: d.ins.Load(), TupUpdated: d.upd.Load(), TupDeleted: d.del.Load(),
		TupReturned: d.returned.Load(), TupFetched: d.fetched.Load(),
	}
	for _, s := range e.sessions.list() {
		if e.stats.db(s.db) == d {
			out.Backends++
		}
	}
	return out
}

// tableStats fills pg_stat_user_tables' counters for table oid.
func (e *Engine) tableStats(oid uint32) pgcatalog.TableStats {
	v, ok := e.stats.tables.Load(oid)
	if !ok {
		return pgcatalog.TableStats{}
	}
	ts := v.(*tableStats)
	return pgcatalog.TableStats{Inserted: ts.ins.Load(), Updated: ts.upd.Load(), Deleted: ts.del.Load(),
		SeqScan: ts.seqScan.Load(), SeqTupRead: ts.seqRead.Load(), IdxScan: ts.idxScan.Load(), IdxTupFetch: ts.idxFetch.Load()}
}

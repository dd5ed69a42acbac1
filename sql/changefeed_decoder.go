package sql

import (
	"encoding/binary"
	"encoding/json"
	"strings"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// ChangefeedDecoder returns the changefeed.Decoder for sql's descriptor
// format. It needs no Engine, so cmd/logdb can build the Feed before or
// after the Engine.
func ChangefeedDecoder() changefeed.Decoder { return feedDecoder{} }

// feedDecoder maps each table of a catalog version to the Relation the feed
// decodes its rows with. Stateless: safe from any goroutine.
type feedDecoder struct{}

func (feedDecoder) Relations(cat changefeed.CatalogView) (map[kv.Space]*changefeed.Relation, error) {
	out := map[kv.Space]*changefeed.Relation{}
	type dbOID struct{ db, oid uint32 }
	parentOf := map[dbOID]uint32{} // partitions' parents
	byOID := map[dbOID]*changefeed.Relation{}
	for k, v := range cat.Keys {
		db, k := splitDBKey(k)
		if !strings.HasPrefix(k, "t/") {
			continue
		}
		var t catalog.Table
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "changefeed: table descriptor %q", k)
		}
		t.Init()
		r := &changefeed.Relation{
			OID:         t.OID,
			Database:    db,
			Schema:      catalog.SchemaName(t.Schema),
			Name:        t.Name,
			Columns:     make([]types.RowColumn, len(t.Columns)),
			ColumnNames: make([]string, len(t.Columns)),
		}
		for i, c := range t.Columns {
			r.Columns[i] = types.RowColumn{ID: c.ID, T: c.Type}
			r.ColumnNames[i] = c.Name
		}
		if len(t.PKIdx) > 0 {
			r.KeyColumns = append([]int(nil), t.PKIdx...)
		}
		kind, cols := t.ReplicaIdentity() // sql/catalog
		r.ReplicaIdentity = kind
		if kind == 'i' {
			r.IdentityColumns = append([]int(nil), cols...)
		}
		out[t.Space] = r
		byOID[dbOID{db, t.OID}] = r
		if t.PartOf != 0 {
			parentOf[dbOID{db, t.OID}] = t.PartOf
		}
	}
	// a partition's ancestors, so SUBSCRIBE of a partitioned table
	// carries its partitions' changes
	for k, parent := range parentOf {
		r := byOID[k]
		for seen := 0; parent != 0 && seen < 64; seen++ { // partitioning is at most a few levels deep
			p := byOID[dbOID{k.db, parent}]
			if p == nil {
				break
			}
			r.Ancestors = append(r.Ancestors, p.QualifiedName())
			parent = parentOf[dbOID{k.db, parent}]
		}
	}
	return out, nil
}

// splitDBKey splits a catalog key into the database it belongs to and the
// key within that database's catalog: database logdb's keys carry no
// prefix, every other's start with catalog.DBPrefix(oid) ("D" + 4 bytes).
// The database is numbered as the changefeed numbers it (feedDB: 0 for
// logdb). Shared keys (roles, databases) come back as logdb's; no caller
// wants them.
func splitDBKey(k string) (uint32, string) {
	if len(k) >= 5 && k[0] == 'D' {
		return binary.BigEndian.Uint32([]byte(k[1:5])), k[5:]
	}
	return 0, k
}

// A publication is a catalog descriptor (sql/ddl/publication.go), so the
// changefeed reads it as of each change's catalog version to filter
// pgoutput streams.

// Publications is the changefeed's view of a catalog version's
// publications (changefeed.PublicationDecoder).
func (feedDecoder) Publications(cat changefeed.CatalogView) ([]changefeed.Publication, error) {
	var out []changefeed.Publication
	// a partitioned table's partitions, by database: a publication of it
	// publishes their changes under their own names, as PostgreSQL's
	// (publish_via_partition_root = false)
	parts := map[uint32]map[uint32][]uint32{}
	for k, v := range cat.Keys {
		db, k := splitDBKey(k)
		if !strings.HasPrefix(k, "t/") {
			continue
		}
		var t struct {
			OID    uint32 `json:"oid"`
			PartOf uint32 `json:"part_of"`
		}
		if err := json.Unmarshal(v, &t); err == nil && t.PartOf != 0 {
			if parts[db] == nil {
				parts[db] = map[uint32][]uint32{}
			}
			parts[db][t.PartOf] = append(parts[db][t.PartOf], t.OID)
		}
	}
	withPartitions := func(db uint32, tables []uint32) []uint32 {
		if len(parts[db]) == 0 {
			return tables
		}
		out := append([]uint32(nil), tables...)
		for i := 0; i < len(out); i++ {
			out = append(out, parts[db][out[i]]...)
		}
		return out
	}
	for k, v := range cat.Keys {
		db, k := splitDBKey(k)
		if !strings.HasPrefix(k, "p/") {
			continue
		}
		var p catalog.Publication
		if err := json.Unmarshal(v, &p); err != nil {
			return nil, pgerror.Wrap(err, pgerror.DataCorrupted, "changefeed: publication descriptor %q", k)
		}
		out = append(out, changefeed.Publication{Name: p.Name, Database: db, AllTables: p.AllTables, Tables: withPartitions(db, p.Tables), Schemas: p.Schemas,
			Actions: changefeed.PublishActions{Insert: p.Insert, Update: p.Update, Delete: p.Delete, Truncate: p.Truncate}})
	}
	return out, nil
}

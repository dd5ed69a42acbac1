package changefeed

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"logdb/kv"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Decoder describes the tables of a catalog version; package sql implements
// it (it owns the descriptor format). The feed calls it once per catalog
// version it meets and caches the result, so it need not be fast; it is
// called from any goroutine and must not keep cat.Keys.
type Decoder interface {
	// Relations returns the tables of the catalog cat, keyed by the
	// kv.Space that holds their rows. Spaces not in the map (indexes,
	// sequences, the catalog, slots) produce no changes.
	Relations(cat CatalogView) (map[kv.Space]*Relation, error)
}

// PublicationDecoder is implemented by a Decoder whose catalog has
// publications (sql's does): the feed then marks each Relation with the
// publications that publish it (Relation.Publications), as of the change's
// catalog version, which is what pgoutput filters by.
type PublicationDecoder interface {
	Publications(cat CatalogView) ([]Publication, error)
}

// Publication is one publication of a catalog version.
type Publication struct {
	Name      string
	Database  uint32   // the database it was created in (Relation.Database)
	AllTables bool     // FOR ALL TABLES
	Tables    []uint32 // FOR TABLE: table OIDs
	Schemas   []string // FOR TABLES IN SCHEMA
	Actions   PublishActions
}

// publishes reports whether p publishes r.
func (p *Publication) publishes(r *Relation) bool {
	if p.Database != r.Database {
		return false // a publication publishes its own database's tables only
	}
	if strings.HasPrefix(r.Schema, "pg_temp_") {
		return false // a session's temporary table: never published (PostgreSQL)
	}
	if p.AllTables {
		return true
	}
	for _, o := range p.Tables {
		if o == r.OID {
			return true
		}
	}
	schema := r.Schema
	if schema == "" {
		schema = "public"
	}
	for _, s := range p.Schemas {
		if s == schema {
			return true
		}
	}
	return false
}

// CatalogView is the catalog as it was just after entry Index applied (the
// entry that last changed it): every key of kv.CatalogSpace and its value.
// The map and its slices are shared: read only.
type CatalogView struct {
	Index uint64
	Keys  map[string][]byte
}

// Relation describes one table as stored by sql: rows are
// types.AppendRow(Columns, values); keys are types.AppendKey of the values
// of KeyColumns in order, or, with no KeyColumns, of the hidden int8 row id.
type Relation struct {
	OID uint32 // pg_class oid (pgoutput Relation messages)
	// Database is the OID of the database whose catalog holds the table
	// (a Request with Database set sees only its tables); 0 for a Decoder
	// without databases.
	Database    uint32
	Schema      string // "" means "public"
	Name        string // "orders"
	Columns     []types.RowColumn
	ColumnNames []string // parallel to Columns, in table order
	KeyColumns  []int    // positions in Columns of the primary key, in key order

	// ReplicaIdentity is pg_class.relreplident, what a replication stream
	// sends of an old row: 'd' (default: the primary key's columns, none
	// without one), 'f' (full: the whole row), 'n' (nothing) or 'i' (the
	// columns of an index, IdentityColumns). 0 reads as 'd'.
	ReplicaIdentity byte
	IdentityColumns []int // for 'i': positions in Columns
	// Publications that publish this table, by name (pgoutput's filter).
	Publications map[string]PublishActions
	// Ancestors, for a partition, are the partitioned tables it belongs
	// to, nearest first, as schema-qualified names: a SUBSCRIBE of one of
	// them delivers the partition's changes (under the partition's name).
	Ancestors []string
}

// PublishActions is what a publication publishes: publish = 'insert,
// update, delete, truncate'.
type PublishActions struct {
	Insert, Update, Delete, Truncate bool
}

// Identity returns r's replica identity ('d', 'f', 'n' or 'i') and the
// positions of its columns (every column for 'f'; nil when there are none).
func (r *Relation) Identity() (byte, []int) {
	switch r.ReplicaIdentity {
	case 'f':
		all := make([]int, len(r.Columns))
		for i := range all {
			all[i] = i
		}
		return 'f', all
	case 'n':
		return 'n', nil
	case 'i':
		return 'i', r.IdentityColumns
	}
	return 'd', r.KeyColumns
}

// decodeRow decodes a stored row of r.
func (r *Relation) decodeRow(row []byte) ([]types.Datum, error) {
	vals := make([]types.Datum, len(r.Columns))
	if err := types.DecodeRow(row, r.Columns, vals); err != nil {
		return nil, fmt.Errorf("changefeed: decode row of %s: %w", r.Name, err)
	}
	return vals, nil
}

// oldIdentity returns what a replication stream sends of c's old row: for
// a full identity the whole old row; otherwise the old row's identity
// columns with every other column nil. For an update it is nil unless the
// identity is full or an identity column changed (PostgreSQL logs the old
// key only then); it is nil when the table has no identity.
func (r *Relation) oldIdentity(c *Change, update bool) ([]types.Datum, error) {
	kind, cols := r.Identity()
	if len(cols) == 0 || c.OldRow == nil {
		return nil, nil
	}
	old, err := r.decodeRow(c.OldRow)
	if err != nil {
		return nil, err
	}
	if kind == 'f' {
		return old, nil
	}
	if update {
		nu, err := r.decodeRow(c.NewRow)
		if err != nil {
			return nil, err
		}
		changed := false
		for _, i := range cols {
			a, b := old[i], nu[i]
			if (a == nil) != (b == nil) || a != nil && types.Compare(r.Columns[i].T, a, b) != 0 {
				changed = true
			}
		}
		if !changed {
			return nil, nil
		}
	}
	key := make([]types.Datum, len(old))
	for _, i := range cols {
		key[i] = old[i]
	}
	return key, nil
}

// RowIDColumn is the key field of a table without a primary key: the
// hidden row id sql keys its rows by, {"rowid": 123}.
const RowIDColumn = "rowid"

// QualifiedName returns "schema.name".
func (r *Relation) QualifiedName() string {
	if r.Schema == "" {
		return "public." + r.Name
	}
	return r.Schema + "." + r.Name
}

// relation is a Relation prepared for rendering; shared read-only by every
// subscription using its schema.
type relation struct {
	*Relation
	qualified string
	jsonOrder []int    // column positions in jsonb key order
	keyOrder  []int    // key column positions in jsonb key order
	jsonKey   [][]byte // per column: `"name": `
}

// jsonbKeyLess orders object keys as jsonb stores them: shorter first, then
// by bytes.
func jsonbKeyCmp(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return bytes.Compare([]byte(a), []byte(b))
}

var textT = types.T{OID: types.TextOID, Mod: -1}

func prepareRelation(r *Relation) (*relation, error) {
	if len(r.ColumnNames) != len(r.Columns) {
		return nil, fmt.Errorf("changefeed: relation %s: %d column names for %d columns", r.Name, len(r.ColumnNames), len(r.Columns))
	}
	for _, k := range r.KeyColumns {
		if k < 0 || k >= len(r.Columns) {
			return nil, fmt.Errorf("changefeed: relation %s: key column %d out of range", r.Name, k)
		}
	}
	p := &relation{Relation: r, qualified: r.QualifiedName()}
	p.jsonKey = make([][]byte, len(r.Columns))
	for i, name := range r.ColumnNames {
		p.jsonKey[i] = append(types.AppendJSON(nil, textT, name), ": "...)
	}
	byJSON := func(a, b int) int { return jsonbKeyCmp(r.ColumnNames[a], r.ColumnNames[b]) }
	p.jsonOrder = make([]int, len(r.Columns))
	for i := range p.jsonOrder {
		p.jsonOrder[i] = i
	}
	slices.SortStableFunc(p.jsonOrder, byJSON)
	p.keyOrder = slices.Clone(r.KeyColumns)
	slices.SortStableFunc(p.keyOrder, byJSON)
	return p, nil
}

// appendObject renders the columns at positions cols of vals as a jsonb
// object.
func (r *relation) appendObject(dst []byte, cols []int, vals []types.Datum) []byte {
	dst = append(dst, '{')
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, r.jsonKey[c]...)
		dst = types.AppendJSON(dst, r.Columns[c].T, vals[c])
	}
	return append(dst, '}')
}

var int8T = types.T{OID: types.Int8OID, Mod: -1}

// render decodes a stored row and returns its jsonb text and, when
// withKey, the jsonb text of its key. scratch is reused.
func (r *relation) render(row, key []byte, withKey bool, scratch *[]types.Datum) (rowJSON, keyJSON []byte, err error) {
	if cap(*scratch) < len(r.Columns) {
		*scratch = make([]types.Datum, len(r.Columns))
	}
	vals := (*scratch)[:len(r.Columns)]
	if err := types.DecodeRow(row, r.Columns, vals); err != nil {
		return nil, nil, fmt.Errorf("changefeed: decode row of %s: %w", r.qualified, err)
	}
	rowJSON = r.appendObject(make([]byte, 0, 16+len(row)*2), r.jsonOrder, vals)
	if withKey {
		keyJSON, err = r.keyJSON(key, vals)
	}
	clear(vals)
	return rowJSON, keyJSON, err
}

func (r *relation) keyJSON(key []byte, vals []types.Datum) ([]byte, error) {
	if len(r.KeyColumns) > 0 {
		return r.appendObject(nil, r.keyOrder, vals), nil
	}
	id, _, err := types.DecodeKey(int8T, key)
	if err != nil {
		return nil, fmt.Errorf("changefeed: decode row id of %s: %w", r.qualified, err)
	}
	dst := append([]byte(`{"`+RowIDColumn+`": `), types.AppendJSON(nil, int8T, id)...)
	return append(dst, '}'), nil
}

// schema is one catalog version's tables, prepared; shared read-only.
type schema struct {
	asOf         uint64 // index of the entry that last changed the catalog
	spaces       map[kv.Space]*relation
	names        map[string]kv.Space // nameKey(database, qualified name) → space
	byOID        map[uint32]kv.Space
	publications map[string]bool // nameKey(database, publication name)
}

// nameKey is a schema's key for a name in a database: names repeat across
// databases.
func nameKey(db uint32, name string) string {
	return strconv.FormatUint(uint64(db), 10) + ":" + name
}

// relationFor returns the table stored in space, preferring s and falling
// back to prev (an entry that drops a table still decodes its last rows).
func relationFor(s, prev *schema, space kv.Space) *relation {
	if r := s.spaces[space]; r != nil {
		return r
	}
	if prev != nil {
		return prev.spaces[space]
	}
	return nil
}

// writesCatalog reports whether an applied command changes the catalog.
func writesCatalog(c *kv.Command) bool {
	for i := range c.Writes {
		if c.Writes[i].Space == kv.CatalogSpace {
			return true
		}
	}
	return false
}

// mergeImages gives the merge writes of an applied transaction (which carry
// only their operand in the log) the before and after values kv computed
// when it applied them, as Before and Value: from then on they are updates
// like any other.
func (f *Feed) mergeImages(index uint64, c *kv.Command) error {
	n := 0
	for i := range c.Writes {
		if c.Writes[i].Merge {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	imgs, err := f.cfg.Store.MergeImages(index)
	if err != nil {
		return fmt.Errorf("changefeed: entry %d: %w", index, err)
	}
	if len(imgs) != n {
		return fmt.Errorf("changefeed: entry %d: %d merge writes, %d merge images recorded", index, n, len(imgs))
	}
	for _, m := range imgs {
		if m.Pos < 0 || m.Pos >= len(c.Writes) || !c.Writes[m.Pos].Merge {
			return fmt.Errorf("changefeed: entry %d: merge image for write %d", index, m.Pos)
		}
		w := &c.Writes[m.Pos]
		w.Before, w.Value, w.Merge = m.Before, m.After, false
	}
	return nil
}

// isChange reports whether a write of an applied transaction is a row
// change (given it goes to a table): a delete of a key that did not exist
// deletes nothing.
func isChange(w *kv.Write) bool { return !w.Delete || w.Before != nil }

// countChanges returns how many changes (sequence numbers) an entry's
// command produces: its row changes when applied, then its messages
// (only its non-transactional ones when it failed).
func countChanges(c *kv.Command, applied bool, s, prev *schema) int {
	n := len(truncated(c, applied, s, prev))
	if c.Kind == kv.KindTxn && applied {
		for i := range c.Writes {
			if isChange(&c.Writes[i]) && relationFor(s, prev, c.Writes[i].Space) != nil {
				n++
			}
		}
	}
	for i := range c.Messages {
		if messageDelivered(c, applied, i) {
			n++
		}
	}
	return n
}

// truncated returns the tables an applied entry truncated, in the order it
// dropped their spaces: a dropped space that held a table before the entry
// whose OID still names a table after it (TRUNCATE gives the table a new,
// empty space; DROP TABLE removes it, and is no change).
func truncated(c *kv.Command, applied bool, s, prev *schema) []*relation {
	if c.Kind != kv.KindTxn || !applied || len(c.Drops) == 0 || prev == nil {
		return nil
	}
	var out []*relation
	for _, sp := range c.Drops {
		r := prev.spaces[sp]
		if r == nil {
			continue
		}
		if _, ok := s.byOID[r.OID]; ok {
			out = append(out, r)
		}
	}
	return out
}

// messageDelivered reports whether message i of an entry is a change:
// transactional messages only when their transaction applied (and never in
// a failed entry); non-transactional ones always, PostgreSQL's semantics.
func messageDelivered(c *kv.Command, applied bool, i int) bool {
	if c.Kind != kv.KindTxn && c.Kind != kv.KindMessage {
		return false
	}
	return applied || !c.Messages[i].Transactional
}

// messageJSON renders a message's content: its jsonb form when it is valid
// JSON, else a JSON string.
func messageJSON(content []byte) []byte {
	if utf8.Valid(content) {
		if j, err := types.ParseJSONB(string(content)); err == nil {
			return []byte(j)
		}
		return types.AppendJSON(nil, textT, string(content))
	}
	return types.AppendJSON(nil, textT, string(types.AppendText(nil, types.T{OID: types.ByteaOID, Mod: -1}, content)))
}

func commitTime(c *kv.Command) time.Time {
	if c.CommitTime == 0 {
		return time.Time{}
	}
	return time.UnixMicro(c.CommitTime).UTC()
}

// errTooManyChanges is returned for an entry with more changes than LSNs.
func errTooManyChanges(index uint64) error {
	return pgerror.New(pgerror.ProgramLimitExceeded, "changefeed: entry %d has more than %d changes", index, MaxSeq-1)
}

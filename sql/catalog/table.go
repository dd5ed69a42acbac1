package catalog

import (
	"encoding/binary"
	"encoding/json"

	"logdb/kv"
	"logdb/sql/types"
)

// Column is one column. ID is stable for the column's life: rows are
// encoded by column ID, so ADD/DROP COLUMN rewrite nothing.
type Column struct {
	ID      uint32  `json:"id"`
	Name    string  `json:"name"`
	Type    types.T `json:"type"`
	NotNull bool    `json:"not_null,omitempty"`
	Default string  `json:"default,omitempty"` // SQL text of the default expression
	// Missing is the SQL text of the value rows written before ADD COLUMN
	// ... DEFAULT read for this column (PG's attmissingval).
	Missing string `json:"missing,omitempty"`
	// Domain is the OID of the column's domain (CREATE DOMAIN), 0 for
	// none; Type is then the domain's base type (types.go).
	Domain uint32 `json:"domain,omitempty"`
	// Generated is the SQL text of a GENERATED ALWAYS AS (…) STORED
	// column's expression over the row: every write computes the column.
	Generated string `json:"generated,omitempty"`
}

type Index struct {
	OID        uint32   `json:"oid"`
	Name       string   `json:"name"`
	Space      kv.Space `json:"space"`
	Columns    []uint32 `json:"columns"` // column IDs
	Unique     bool     `json:"unique,omitempty"`
	Constraint bool     `json:"constraint,omitempty"` // created by a UNIQUE constraint
	ConOID     uint32   `json:"con_oid,omitempty"`
	// Exprs, for an expression index, has one entry per key element: the
	// SQL text of an expression (whose Columns entry is 0, as in
	// pg_index.indkey) or "" for a column. Pred is a partial index's
	// predicate: only rows it holds for have entries. ExprCols are the
	// columns they read (index.go).
	Exprs    []string `json:"exprs,omitempty"`
	Pred     string   `json:"pred,omitempty"`
	ExprCols []uint32 `json:"expr_cols,omitempty"`
	// ExprNames and ExprTypes name and type an expression element as the
	// index's own column (pg_attribute of the index: "lower", "expr").
	ExprNames []string  `json:"expr_names,omitempty"`
	ExprTypes []types.T `json:"expr_types,omitempty"`
	// Options are pg_index.indoption's bits per key element (1 DESC,
	// 2 NULLS FIRST); they change how the index is shown, not its order.
	Options []int16 `json:"options,omitempty"`
	// Deferrable (a UNIQUE … DEFERRABLE constraint's index) keeps its
	// entries in the non-unique layout (key, primary key) and its
	// uniqueness is checked at the statement's end or, Deferred
	// (INITIALLY DEFERRED), at COMMIT (exec/unique_deferred.go).
	Deferrable bool `json:"deferrable,omitempty"`
	Deferred   bool `json:"deferred,omitempty"`
	// NullsNotDistinct (UNIQUE NULLS NOT DISTINCT) makes NULLs equal for
	// uniqueness: a key with a NULL is checked like any other.
	NullsNotDistinct bool `json:"nulls_not_distinct,omitempty"`
}

type Check struct {
	OID  uint32 `json:"oid"`
	Name string `json:"name"`
	Expr string `json:"expr"` // SQL text
}

// ForeignKey is a FOREIGN KEY constraint of the table holding it (the
// referencing table). Columns and RefColumns are column IDs, pairwise;
// the referenced columns are RefTable's primary key or one of its unique
// indexes (RefIndex: its OID, the primary key's being Table.PKOID).
// Actions and Match are pg_constraint's codes: 'a' no action, 'r'
// restrict, 'c' cascade, 'n' set null, 'd' set default; 's' simple,
// 'f' full.
type ForeignKey struct {
	OID        uint32   `json:"oid"`
	Name       string   `json:"name"`
	Columns    []uint32 `json:"columns"`
	RefTable   uint32   `json:"ref_table"`
	RefColumns []uint32 `json:"ref_columns"`
	RefIndex   uint32   `json:"ref_index"`
	OnUpdate   byte     `json:"on_update"`
	OnDelete   byte     `json:"on_delete"`
	Match      byte     `json:"match"`
	// DeleteSetCols are the columns of ON DELETE SET NULL / SET DEFAULT
	// (cols) (confdelsetcols); empty: all of Columns.
	DeleteSetCols []uint32 `json:"delete_set_cols,omitempty"`
	Deferrable    bool     `json:"deferrable,omitempty"`
	Deferred      bool     `json:"deferred,omitempty"` // INITIALLY DEFERRED
	NotValid      bool     `json:"not_valid,omitempty"`
	// From is, for a partition's copy of its partitioned table's foreign
	// key, the OID of the table that declared it (named in errors).
	From uint32 `json:"from,omitempty"`
}

type Table struct {
	OID     uint32        `json:"oid"`
	Name    string        `json:"name"`
	Schema  string        `json:"schema,omitempty"` // "" is public (schema.go)
	Space   kv.Space      `json:"space"`
	Columns []*Column     `json:"columns"`
	NextCol uint32        `json:"next_col"`
	PK      []uint32      `json:"pk,omitempty"` // column IDs; empty: hidden row id
	PKName  string        `json:"pk_name,omitempty"`
	PKOID   uint32        `json:"pk_oid,omitempty"` // index OID of the primary key
	PKCon   uint32        `json:"pk_con,omitempty"`
	Indexes []*Index      `json:"indexes,omitempty"`
	Checks  []*Check      `json:"checks,omitempty"`
	FKs     []*ForeignKey `json:"fks,omitempty"` // foreign keys of this table (it references others)
	// ReplIdent is pg_class.relreplident: "" (default: the primary
	// key), "f" (full), "n" (nothing) or "i" (ReplIndex, a unique index).
	ReplIdent string `json:"repl_ident,omitempty"`
	ReplIndex uint32 `json:"repl_index,omitempty"`
	// Owner is the owning role's OID; 0 (descriptors written before roles
	// existed) is the bootstrap superuser.
	Owner uint32    `json:"owner,omitempty"`
	ACL   []ACLItem `json:"acl,omitempty"` // nil: the owner's privileges only (privileges.go)
	// OnCommit is a temporary table's ON COMMIT action: "" (preserve
	// rows), OnCommitDelete or OnCommitDrop (sql/temp.go runs them).
	OnCommit string `json:"on_commit,omitempty"`
	// RowSecurity (ALTER TABLE … ENABLE ROW LEVEL SECURITY) holds a
	// role that is not the owner (unless ForceRowSecurity), a superuser
	// or BYPASSRLS to the table's Policies: it reads the rows they let
	// through and adds the rows they accept, none without a policy for
	// it (PostgreSQL's default deny).
	RowSecurity      bool `json:"row_security,omitempty"`
	ForceRowSecurity bool `json:"force_row_security,omitempty"`
	// Policies are the row level security policies, in name order
	// (policy.go).
	Policies []*Policy `json:"policies,omitempty"`
	// Triggers are the table's triggers, in name order (trigger.go).
	Triggers []*Trigger `json:"triggers,omitempty"`
	// Part is a partitioned table's PARTITION BY; PartOf and Bound a
	// partition's parent (OID) and FOR VALUES (partition.go).
	Part   *PartSpec  `json:"part,omitempty"`
	PartOf uint32     `json:"part_of,omitempty"`
	Bound  *PartBound `json:"bound,omitempty"`

	// derived, not stored
	colByName map[string]int
	PKIdx     []int `json:"-"` // positions of PK columns in Columns
}

// A temporary table's ON COMMIT actions (Table.OnCommit).
const (
	OnCommitDelete = "delete"
	OnCommitDrop   = "drop"
)

type Sequence struct {
	OID       uint32    `json:"oid"`
	Name      string    `json:"name"`
	Schema    string    `json:"schema,omitempty"` // "" is public (schema.go)
	Type      types.T   `json:"type"`
	Start     int64     `json:"start"`
	Increment int64     `json:"inc"`
	Min       int64     `json:"min"`
	Max       int64     `json:"max"`
	Cache     int64     `json:"cache"`
	Cycle     bool      `json:"cycle,omitempty"`
	OwnerTab  uint32    `json:"owner_tab,omitempty"`
	OwnerCol  uint32    `json:"owner_col,omitempty"` // column ID
	Owner     uint32    `json:"owner,omitempty"`     // role OID (Table.Owner)
	ACL       []ACLItem `json:"acl,omitempty"`
}

func (t *Table) Init() {
	t.colByName = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		t.colByName[c.Name] = i
	}
	t.PKIdx = t.PKIdx[:0]
	for _, id := range t.PK {
		t.PKIdx = append(t.PKIdx, t.ColIndexByID(id))
	}
}

func (t *Table) ColIndexByID(id uint32) int {
	for i, c := range t.Columns {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func (t *Table) Column(name string) (int, *Column) {
	if i, ok := t.colByName[name]; ok {
		return i, t.Columns[i]
	}
	return -1, nil
}

func (t *Table) Clone() *Table {
	b, _ := json.Marshal(t)
	var c Table
	_ = json.Unmarshal(b, &c)
	c.Init()
	return &c
}

func (t *Table) HasConstraint(name string) bool {
	if t.PKName == name && len(t.PK) > 0 {
		return true
	}
	for _, ix := range t.Indexes {
		if ix.Name == name && ix.Unique {
			return true
		}
	}
	return false
}

// HasConstraintNamed reports whether any constraint of t (primary key,
// unique, check, foreign key) is called name.
func (t *Table) HasConstraintNamed(name string) bool {
	if t.HasConstraint(name) {
		return true
	}
	for _, ck := range t.Checks {
		if ck.Name == name {
			return true
		}
	}
	for _, fk := range t.FKs {
		if fk.Name == name {
			return true
		}
	}
	return false
}

// FK returns t's foreign key called name, nil if none.
func (t *Table) FK(name string) *ForeignKey {
	for _, fk := range t.FKs {
		if fk.Name == name {
			return fk
		}
	}
	return nil
}

func (t *Table) IsPK(id uint32) bool {
	for _, p := range t.PK {
		if p == id {
			return true
		}
	}
	return false
}

// ReplicaIdentity returns t's identity ('d', 'f', 'n' or 'i') and the
// positions of its columns (the primary key's for 'd', none without one).
func (t *Table) ReplicaIdentity() (byte, []int) {
	switch t.ReplIdent {
	case "f":
		all := make([]int, len(t.Columns))
		for i := range all {
			all[i] = i
		}
		return 'f', all
	case "n":
		return 'n', nil
	case "i":
		if t.ReplIndex == t.PKOID {
			return 'i', t.PKIdx
		}
		for _, ix := range t.Indexes {
			if ix.OID == t.ReplIndex {
				cols := make([]int, len(ix.Columns))
				for i, id := range ix.Columns {
					cols[i] = t.ColIndexByID(id)
				}
				return 'i', cols
			}
		}
		return 'n', nil // the index was dropped: PostgreSQL falls back to nothing
	}
	return 'd', t.PKIdx
}

func (t *Table) RowColumns() []types.RowColumn {
	rc := make([]types.RowColumn, len(t.Columns))
	for i, c := range t.Columns {
		rc[i] = types.RowColumn{ID: c.ID, T: c.Type}
	}
	return rc
}

// SequenceKey is the key of a sequence's counter in kv.SequenceSpace.
func SequenceKey(oid uint32) []byte {
	k := make([]byte, 4)
	binary.BigEndian.PutUint32(k, oid)
	return k
}

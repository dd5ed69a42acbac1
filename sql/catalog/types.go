package catalog

import (
	"encoding/json"
	"sort"

	"logdb/kv"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// TypeDesc is a type created by CREATE TYPE … AS ENUM or CREATE DOMAIN,
// stored at "e/<oid>". Enum labels keep their OID and sort order for
// life (pg_enum); a domain's constraints are CHECK expressions over VALUE.
type TypeDesc struct {
	OID      uint32 `json:"oid"`
	ArrayOID uint32 `json:"array_oid,omitempty"`
	Name     string `json:"name"`
	Schema   string `json:"schema,omitempty"` // "" is public (schema.go)
	Kind     string `json:"kind"`             // pg_type.typtype: "e" enum, "d" domain, "c" composite
	// Rev counts the descriptor's versions (types.UserType.Rev).
	Rev    uint64            `json:"rev"`
	Owner  uint32            `json:"owner,omitempty"`
	Labels []types.EnumLabel `json:"labels,omitempty"`
	// Domain: base type, NOT NULL, DEFAULT (SQL text), CHECK constraints.
	Base    types.T  `json:"base,omitempty"`
	NotNull bool     `json:"not_null,omitempty"`
	Default string   `json:"default,omitempty"`
	Checks  []*Check `json:"checks,omitempty"`
	// Composite (Kind "c"): the fields, in order.
	Fields []types.RecordField `json:"fields,omitempty"`
	RelOID uint32              `json:"rel_oid,omitempty"` // pg_type.typrelid
}

// MaxTypes bounds the user types one catalog holds (CREATE TYPE and
// CREATE DOMAIN past it fail with 54000).
const MaxTypes = 10_000

// MaxEnumLabels bounds the labels of one enum type (ALTER TYPE … ADD
// VALUE past it fails with 54000).
const MaxEnumLabels = 10_000

// userType is the types package's view of d.
func (d *TypeDesc) userType() *types.UserType {
	return &types.UserType{OID: d.OID, ArrayOID: d.ArrayOID, Name: d.Name, Schema: d.Schema, Kind: d.Kind[0], Rev: d.Rev,
		Labels: append([]types.EnumLabel(nil), d.Labels...), Base: d.Base, Fields: append([]types.RecordField(nil), d.Fields...)}
}

// Clone is a deep copy, to change and Put.
func (d *TypeDesc) Clone() *TypeDesc {
	b, _ := json.Marshal(d)
	var c TypeDesc
	_ = json.Unmarshal(b, &c)
	return &c
}

// Type returns the user type called name in public.
func (c *Catalog) Type(name string) (*TypeDesc, bool) {
	d, ok := c.typesByName()[name]
	return d, ok
}

// TypeIn resolves a user type name: in schema when one is given, else in
// the first schema of path that holds a type of that name.
func (c *Catalog) TypeIn(path []string, schema, name string) (*TypeDesc, bool) {
	if schema != "" {
		d, ok := c.typesByName()[Key(schema, name)]
		return d, ok
	}
	for _, s := range path {
		if IsSystemSchema(s) || !c.SchemaExists(s) {
			continue
		}
		if d, ok := c.typesByName()[Key(s, name)]; ok {
			return d, true
		}
	}
	return nil, false
}

// key is the type's key in Catalog.Types.
func (d *TypeDesc) key() string { return Key(d.Schema, d.Name) }

// SchemaTypes lists the user types in schema, by OID.
func (c *Catalog) SchemaTypes(schema string) []*TypeDesc {
	var out []*TypeDesc
	for _, d := range c.SortedTypes() {
		if SchemaName(d.Schema) == schema {
			out = append(out, d)
		}
	}
	return out
}

func (c *Catalog) typesByName() map[string]*TypeDesc {
	if c.Types == nil {
		return map[string]*TypeDesc{}
	}
	return c.Types
}

// TypeByOID returns the user type oid.
func (c *Catalog) TypeByOID(oid uint32) (*TypeDesc, bool) {
	d, ok := c.TypeOID[oid]
	return d, ok
}

// SortedTypes lists the user types by OID.
func (c *Catalog) SortedTypes() []*TypeDesc {
	out := make([]*TypeDesc, 0, len(c.Types))
	for _, d := range c.Types {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// TypeUsers lists the columns whose type is oid or its array, as
// "table t column c", in table OID order (DROP TYPE's dependency check).
func (c *Catalog) TypeUsers(oid uint32) []string {
	var out []string
	d := c.TypeOID[oid]
	for _, t := range c.SortedTables() {
		for _, col := range t.Columns {
			if col.Type.OID == oid || d != nil && d.ArrayOID != 0 && col.Type.OID == d.ArrayOID || col.Domain == oid {
				out = append(out, "column "+col.Name+" of table "+t.Name)
			}
		}
	}
	for _, c := range c.SortedTypes() {
		for _, f := range c.Fields {
			if f.T.OID == oid || d != nil && d.ArrayOID != 0 && f.T.OID == d.ArrayOID {
				out = append(out, "column "+f.Name+" of composite type "+c.Name)
			}
		}
	}
	return out
}

func (c *Catalog) addType(d *TypeDesc) {
	if c.Types == nil {
		c.Types, c.TypeOID = map[string]*TypeDesc{}, map[uint32]*TypeDesc{}
	}
	c.Types[d.key()] = d
	c.TypeOID[d.OID] = d
}

func loadType(c *Catalog, v []byte) error {
	var d TypeDesc
	if err := json.Unmarshal(v, &d); err != nil || d.Kind == "" {
		return pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: type descriptor")
	}
	c.addType(&d)
	return types.RegisterUserType(d.userType())
}

// PutType writes a type descriptor (new or changed). A new type is made
// known to sql/types at once (its OID is fresh, so an aborted transaction
// leaves only an unused registration); a changed one when the committed
// catalog is loaded, so other sessions never see an uncommitted label.
func (d *Writer) PutType(t *TypeDesc) error {
	old, existed := d.Cat.TypeOID[t.OID]
	if existed {
		delete(d.Cat.Types, old.key())
		t.Rev = old.Rev + 1
	} else {
		if len(d.Cat.Types) >= MaxTypes {
			return pgerror.New(pgerror.ProgramLimitExceeded, "too many user-defined types (at most %d)", MaxTypes)
		}
		if err := types.RegisterUserType(t.userType()); err != nil {
			return err
		}
	}
	d.Cat.Types = cloneTypes(d.Cat.Types)
	d.Cat.TypeOID = cloneTypeOIDs(d.Cat.TypeOID)
	if existed {
		delete(d.Cat.Types, old.key())
	}
	d.Cat.addType(t)
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	key := OIDKey('e', t.OID)
	d.Put(key, b)
	d.claimTypeName(oldName(old, existed), t.key(), t.OID)
	return nil
}

// DeleteType removes a type descriptor.
func (d *Writer) DeleteType(t *TypeDesc) {
	d.Cat.Types = cloneTypes(d.Cat.Types)
	d.Cat.TypeOID = cloneTypeOIDs(d.Cat.TypeOID)
	delete(d.Cat.Types, t.key())
	delete(d.Cat.TypeOID, t.OID)
	key := OIDKey('e', t.OID)
	d.Del(key)
	d.claimTypeName(t.key(), "", t.OID)
}

func oldName(t *TypeDesc, ok bool) string {
	if !ok {
		return ""
	}
	return t.key()
}

// typeNameKey is "y/<key>" (Key(schema, name)): a type name's claim, so that two
// transactions creating one name conflict.
func typeNameKey(name string) []byte { return append([]byte("y/"), name...) }

func (d *Writer) claimTypeName(oldName, newName string, oid uint32) {
	if oldName == newName {
		return
	}
	if oldName != "" {
		k := typeNameKey(oldName)
		d.Del(k)
	}
	if newName != "" {
		k := typeNameKey(newName)
		d.Put(k, OIDKey('e', oid))
	}
}

func cloneTypes(m map[string]*TypeDesc) map[string]*TypeDesc {
	out := make(map[string]*TypeDesc, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneTypeOIDs(m map[uint32]*TypeDesc) map[uint32]*TypeDesc {
	out := make(map[uint32]*TypeDesc, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// NewOIDs allocates n consecutive OIDs in one proposal and returns the
// first (a type, its array type and its enum labels).
func (d *Writer) NewOIDs(n int) (uint32, error) {
	res, err := d.Propose(d.Ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: oidCounterKey, Delta: int64(n)})
	if err != nil {
		return 0, err
	}
	return uint32(firstUserOID + res.Value - int64(n)), nil
}

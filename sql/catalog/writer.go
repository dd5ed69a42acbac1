package catalog

import (
	"context"
	"encoding/json"
	"math/rand/v2"

	"logdb/kv"
)

// Writer is a transaction's pending catalog change: it updates the
// transaction's copy of the catalog and writes the descriptors and
// relation-name keys through its kv.Txn.
type Writer struct {
	Txn *kv.Txn
	Cat *Catalog
	// propose proposes a command while the transaction holds its
	// snapshot (Engine.proposeInTxn): OID and space counters.
	Propose func(context.Context, *kv.Command) (kv.Result, error)
	Ctx     context.Context
	// owner is the current role's OID: what the statement creates, it owns.
	Owner uint32
	// global is set once a shared key (role, database) is written: the
	// version of every database then changes (BumpVersion).
	global bool
}

// NewOID allocates an OID (from 16384, as PostgreSQL's user objects).
func (d *Writer) NewOID() (uint32, error) {
	res, err := d.Propose(d.Ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: oidCounterKey, Delta: 1})
	if err != nil {
		return 0, err
	}
	return uint32(firstUserOID - 1 + res.Value), nil
}

// NewSpace allocates a kv.Space for a table or index.
func (d *Writer) NewSpace() (kv.Space, error) {
	res, err := d.Propose(d.Ctx, &kv.Command{Kind: kv.KindIncrement, Space: kv.SequenceSpace, Key: spaceCounterKey, Delta: 1})
	if err != nil {
		return 0, err
	}
	return kv.FirstUserSpace - 1 + kv.Space(res.Value), nil
}

// ReadKey records a read of a catalog key (so a concurrent change of it
// conflicts) and returns its value. Keys are written unprefixed: ReadKey,
// Put and Del place them in the catalog's database (Key).
func (d *Writer) ReadKey(key []byte) []byte {
	v, _, _ := d.Txn.Get(kv.CatalogSpace, d.Key(key))
	return v
}

// Key is where catalog key k of this catalog's database is stored: shared
// keys (roles, databases) as they are, the others under the database's
// prefix (database.go).
func (d *Writer) Key(k []byte) []byte {
	p := DBPrefix(d.Cat.DBOID)
	if p == nil || isGlobalKey(k) {
		return k
	}
	return append(p, k...)
}

// Put writes catalog key k (read first, so a concurrent change conflicts).
func (d *Writer) Put(k, v []byte) {
	d.noteGlobal(k)
	d.Txn.Put(kv.CatalogSpace, d.Key(k), v, d.ReadKey(k))
}

// Del deletes catalog key k (read first, so a concurrent change conflicts).
func (d *Writer) Del(k []byte) {
	d.noteGlobal(k)
	d.Txn.Delete(kv.CatalogSpace, d.Key(k), d.ReadKey(k))
}

// noteGlobal bumps the shared version key (logdb's) at the first write
// of a shared key by another database's writer, so every database's
// cached catalog changes.
func (d *Writer) noteGlobal(k []byte) {
	if isGlobalKey(k) && !d.global {
		d.global = true
		if DBPrefix(d.Cat.DBOID) != nil {
			d.Txn.Put(kv.CatalogSpace, CatVersionKey, u64b(rand.Uint64()), nil)
		}
	}
}

func nameKey(name string) []byte { return append([]byte("r/"), name...) }

// relNames lists the relation names (Keys) a table descriptor claims.
func (t *Table) relNames() []string {
	names := []string{Key(t.Schema, t.Name)}
	if len(t.PK) > 0 && t.PKName != "" {
		names = append(names, Key(t.Schema, t.PKName))
	}
	for _, ix := range t.Indexes {
		names = append(names, Key(t.Schema, ix.Name))
	}
	return names
}

// setNames moves the relation-name keys from old to new names.
func (d *Writer) setNames(oldNames, newNames []string, oid uint32) {
	keep := map[string]bool{}
	for _, n := range newNames {
		keep[n] = true
	}
	for _, n := range oldNames {
		if !keep[n] {
			d.Del(nameKey(n))
		}
	}
	had := map[string]bool{}
	for _, n := range oldNames {
		had[n] = true
	}
	for _, n := range newNames {
		if !had[n] {
			d.Put(nameKey(n), OIDKey('t', oid))
		}
	}
}

func (d *Writer) PutTable(t *Table) error {
	var oldNames []string
	if old, ok := d.Cat.ByOID[t.OID]; ok {
		oldNames = old.relNames()
		d.Cat.removeTable(old)
	}
	d.Cat.AddTable(t)
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	d.Put(OIDKey('t', t.OID), b)
	d.setNames(oldNames, t.relNames(), t.OID)
	return nil
}

func (d *Writer) DeleteTable(t *Table) {
	d.Cat.removeTable(t)
	key := OIDKey('t', t.OID)
	d.Del(key)
	d.setNames(t.relNames(), nil, t.OID)
}

func (d *Writer) PutSeq(s *Sequence) error {
	var oldNames []string
	if old, ok := d.Cat.SeqOID[s.OID]; ok {
		delete(d.Cat.Seqs, Key(old.Schema, old.Name))
		oldNames = []string{Key(old.Schema, old.Name)}
	}
	d.Cat.addSeq(s)
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	key := OIDKey('s', s.OID)
	d.Put(key, b)
	d.setNames(oldNames, []string{Key(s.Schema, s.Name)}, s.OID)
	return nil
}

func (d *Writer) DeleteSeq(s *Sequence) {
	delete(d.Cat.Seqs, Key(s.Schema, s.Name))
	delete(d.Cat.SeqOID, s.OID)
	key := OIDKey('s', s.OID)
	d.Del(key)
	d.setNames([]string{Key(s.Schema, s.Name)}, nil, s.OID)
}

// BumpVersion marks the catalog changed; called once per DDL transaction.
// The version is a nonce written blindly: DDL on different objects must
// not conflict on it.
func (d *Writer) BumpVersion() {
	d.Cat.Version = rand.Uint64()
	d.Txn.Put(kv.CatalogSpace, d.Key(CatVersionKey), u64b(d.Cat.Version), nil)
}

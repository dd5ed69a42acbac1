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
// conflicts) and returns its value.
func (d *Writer) ReadKey(key []byte) []byte {
	v, _, _ := d.Txn.Get(kv.CatalogSpace, key)
	return v
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
			before := d.ReadKey(nameKey(n))
			d.Txn.Delete(kv.CatalogSpace, nameKey(n), before)
		}
	}
	had := map[string]bool{}
	for _, n := range oldNames {
		had[n] = true
	}
	for _, n := range newNames {
		if !had[n] {
			before := d.ReadKey(nameKey(n))
			d.Txn.Put(kv.CatalogSpace, nameKey(n), OIDKey('t', oid), before)
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
	key := OIDKey('t', t.OID)
	before := d.ReadKey(key)
	d.Txn.Put(kv.CatalogSpace, key, b, before)
	d.setNames(oldNames, t.relNames(), t.OID)
	return nil
}

func (d *Writer) DeleteTable(t *Table) {
	d.Cat.removeTable(t)
	key := OIDKey('t', t.OID)
	d.Txn.Delete(kv.CatalogSpace, key, d.ReadKey(key))
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
	d.Txn.Put(kv.CatalogSpace, key, b, d.ReadKey(key))
	d.setNames(oldNames, []string{Key(s.Schema, s.Name)}, s.OID)
	return nil
}

func (d *Writer) DeleteSeq(s *Sequence) {
	delete(d.Cat.Seqs, Key(s.Schema, s.Name))
	delete(d.Cat.SeqOID, s.OID)
	key := OIDKey('s', s.OID)
	d.Txn.Delete(kv.CatalogSpace, key, d.ReadKey(key))
	d.setNames([]string{Key(s.Schema, s.Name)}, nil, s.OID)
}

// BumpVersion marks the catalog changed; called once per DDL transaction.
// The version is a nonce written blindly: DDL on different objects must
// not conflict on it.
func (d *Writer) BumpVersion() {
	d.Cat.Version = rand.Uint64()
	d.Txn.Put(kv.CatalogSpace, CatVersionKey, u64b(d.Cat.Version), nil)
}

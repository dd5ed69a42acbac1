package plan

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// PartInserter writes rows given in a partitioned table's layout into
// the leaves they route to (INSERT, COPY FROM, an UPDATE's moved rows).
type PartInserter struct {
	Set *exec.PartSet
	W   []*exec.TableWriter    // per leaf
	OC  []*exec.OnConflictPlan // per leaf, nil without ON CONFLICT
}

// NewPartInserter compiles the leaves of t (partitioned) and their
// writers; oc, if set, is planned for each leaf (its arbiters are the
// leaf's own indexes, as PostgreSQL's), with name for the target table.
func (p *Planner) NewPartInserter(t *catalog.Table, oc *pg_query.OnConflictClause, name string) (*PartInserter, error) {
	ps, err := p.partLeaves(t)
	if err != nil {
		return nil, err
	}
	pi := &PartInserter{Set: ps}
	if pi.W, err = p.partWriters(ps); err != nil {
		return nil, err
	}
	if oc != nil {
		pi.OC = make([]*exec.OnConflictPlan, len(ps.Leaves))
		for i, l := range ps.Leaves {
			alias := &pg_query.Alias{Aliasname: name}
			loc := oc
			if oc.Infer != nil && oc.Infer.Conname != "" {
				// ON CONFLICT ON CONSTRAINT names the partitioned table's
				// constraint: each partition arbitrates with its own
				loc = proto.Clone(oc).(*pg_query.OnConflictClause)
				loc.Infer.Conname = leafConstraint(t, l.T, oc.Infer.Conname)
			}
			if pi.OC[i], err = p.planOnConflict(l.T, loc, TableScope(l.T, alias, nil)); err != nil {
				return nil, err
			}
		}
	}
	return pi, nil
}

// inheritSecurity gives the leaves' writers the row level security checks
// of root, the partitioned table's writer: PostgreSQL applies the
// policies of the table the statement names, and the checks, planned on
// its layout, hold for a leaf of the same layout. A leaf of another
// layout (a table attached with its columns in another order) is 0A000.
func (pi *PartInserter) inheritSecurity(root *exec.TableWriter) error {
	if root.InsertRLS == nil && root.UpdateRLS == nil && root.ConflictRLS == nil {
		return nil
	}
	for i, l := range pi.Set.Leaves {
		if !l.Same {
			return pgerror.New(pgerror.FeatureNotSupported, "row level security of partitioned table %q is not supported while its partition %q has its columns in another order", root.T.Name, l.T.Name)
		}
		w := pi.W[i]
		w.InsertRLS, w.UpdateRLS, w.ConflictRLS = root.InsertRLS, root.UpdateRLS, root.ConflictRLS
	}
	return nil
}

// Insert routes row and inserts it into its leaf, firing the leaf's
// BEFORE ROW triggers; final is the row written, in the root's layout.
func (pi *PartInserter) Insert(ec *exec.Ctx, row []types.Datum) (final []types.Datum, inserted bool, err error) {
	li, err := pi.Set.Route(ec, row)
	if err != nil {
		return nil, false, err
	}
	leaf := pi.Set.Leaves[li]
	lrow, skip, err := ec.BeforeRow(leaf.T, catalog.TrigInsert, nil, leaf.ToLeafRow(row), nil)
	if err != nil || skip {
		return nil, false, err
	}
	var oc *exec.OnConflictPlan
	if pi.OC != nil {
		oc = pi.OC[li]
		if oc != nil && !oc.DoNothing && pi.W[li].Touched == nil {
			pi.W[li].Touched = map[string]bool{}
		}
	}
	final, inserted, err = pi.W[li].Insert(ec, lrow, oc)
	if final != nil {
		final = leaf.ToRootRow(final)
	}
	return final, inserted, err
}

// Reset ends a statement (ON CONFLICT's per-statement state).
func (pi *PartInserter) Reset() {
	for _, w := range pi.W {
		w.Touched = nil
	}
}

// execModifyParts runs UPDATE or DELETE on a partitioned table: each row
// is written through the writer of the leaf it was read from (its
// RowRef.Leaf); an UPDATE whose new row belongs in another leaf deletes
// it there and inserts it where it routes.
func (d *DML) execModifyParts(ec *exec.Ctx) ([][]types.Datum, string, error) {
	rows, err := exec.RunNode(ec, d.Src)
	if err == nil {
		err = ec.RunBeforeWrite()
	}
	if err != nil {
		return nil, "", err
	}
	set := d.parts.Set
	strength := exec.LockNoKeyUpdate
	if d.Verb == "delete" {
		strength = exec.LockUpdate
	}
	byLeaf := map[int][][]types.Datum{}
	for _, row := range rows {
		li := row[d.refIdx].(exec.RowRef).Leaf - 1
		byLeaf[li] = append(byLeaf[li], row)
	}
	for li, rs := range byLeaf {
		if err := ec.WriteLockRows(set.Leaves[li].T, rs, d.refIdx, strength); err != nil {
			return nil, "", err
		}
	}
	var out [][]types.Datum
	var n int64
	ncols := len(d.t.Columns)
	done := map[string]bool{}
	for _, row := range rows {
		ref := row[d.refIdx].(exec.RowRef)
		li := ref.Leaf - 1
		if li < 0 || li >= len(set.Leaves) {
			return nil, "", pgerror.New(pgerror.Internal, "BUG: a row of a partitioned table without its partition")
		}
		leaf, w := set.Leaves[li], d.parts.W[li]
		if ec.ChangedByStatement(leaf.T.Space, ref.Key) {
			continue
		}
		dk := fmt.Sprint(li, string(ref.Key))
		if done[dk] {
			continue
		}
		done[dk] = true
		if err := ec.WriteLock(leaf.T, ref.Key, strength); err != nil {
			return nil, "", err
		}
		old := leaf.ToLeafRow(row[:ncols])
		if d.Verb == "delete" {
			if _, skip, err := ec.BeforeRow(leaf.T, catalog.TrigDelete, old, nil, nil); err != nil || skip {
				if err != nil {
					return nil, "", err
				}
				continue
			}
			if err := w.Delete(ec, ref, old); err != nil {
				return nil, "", err
			}
			ec.QueueAfterRow(leaf.T, catalog.TrigDelete, old, nil, nil)
			n++
			if d.Returning != nil {
				r, err := evalAll(ec, d.Returning, row)
				if err != nil {
					return nil, "", err
				}
				out = append(out, r)
			}
			continue
		}
		newRow := make([]types.Datum, ncols)
		copy(newRow, row[:ncols])
		for _, s := range d.sets {
			v, err := s.E.Eval(ec, row)
			if err != nil {
				return nil, "", err
			}
			newRow[s.Col] = v
		}
		lnew, skip, err := ec.BeforeRow(leaf.T, catalog.TrigUpdate, old, leaf.ToLeafRow(newRow), d.setCols())
		if err != nil {
			return nil, "", err
		}
		if skip {
			continue
		}
		newRow = leaf.ToRootRow(lnew)
		to, err := set.Route(ec, newRow)
		if err != nil {
			return nil, "", err
		}
		if to == li {
			if _, err := w.Update(ec, ref, old, lnew); err != nil {
				return nil, "", err
			}
			ec.QueueAfterRow(leaf.T, catalog.TrigUpdate, old, lnew, d.setCols())
		} else {
			// the row moves: deleted from its leaf, inserted into another
			// (the new row is held to the UPDATE's policies, as in
			// PostgreSQL, not the INSERT's)
			if err := exec.CheckRowSecurity(ec, d.t.Name, d.w.UpdateRLS, newRow); err != nil {
				return nil, "", err
			}
			if err := w.Delete(ec, ref, old); err != nil {
				return nil, "", err
			}
			if _, _, err := d.parts.W[to].Insert(ec, set.Leaves[to].ToLeafRow(newRow), nil); err != nil {
				return nil, "", err
			}
		}
		n++
		if d.Returning != nil {
			comb := append(append([]types.Datum(nil), newRow...), row[ncols:]...)
			r, err := evalAll(ec, d.Returning, comb)
			if err != nil {
				return nil, "", err
			}
			out = append(out, r)
		}
	}
	return out, fmt.Sprintf("%s %d", map[string]string{"update": "UPDATE", "delete": "DELETE"}[d.Verb], n), nil
}

// leafConstraint names leaf's primary key or unique index that belongs to
// root's constraint name (name itself when there is none).
func leafConstraint(root, leaf *catalog.Table, name string) string {
	var oid uint32
	if root.PKName == name {
		oid = root.PKOID
	}
	for _, ix := range root.Indexes {
		if ix.Name == name {
			oid = ix.OID
		}
	}
	if oid == 0 {
		return name
	}
	if len(leaf.PK) > 0 && catalog.ParentIndex(root, leaf, leaf.PKOID) == oid {
		return leaf.PKName
	}
	for _, ix := range leaf.Indexes {
		if catalog.ParentIndex(root, leaf, ix.OID) == oid {
			return ix.Name
		}
	}
	return name
}

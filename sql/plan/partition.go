package plan

import (
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
)

// Statements on partitioned tables (exec/partition.go does the work): a
// scan of one reads its leaves, INSERT routes each row to its leaf's
// writer, UPDATE and DELETE write through the writer of the leaf each row
// came from (moving a row whose key changed to another leaf), and a
// write into a partition itself checks its partition constraint.

// partLeaves compiles t's partitions and marks each used: a concurrent
// ATTACH or DETACH rewrites t, and DDL on a leaf rewrites the leaf.
func (p *Planner) partLeaves(t *catalog.Table) (*exec.PartSet, error) {
	ps, err := exec.NewPartSet(p.Cat, t)
	if err != nil {
		return nil, err
	}
	for _, c := range partitionTree(p.Cat, t) {
		p.useTable(c)
	}
	return ps, nil
}

func partitionTree(cat *catalog.Catalog, t *catalog.Table) []*catalog.Table {
	var out []*catalog.Table
	for _, c := range cat.Partitions(t.OID) {
		out = append(out, c)
		out = append(out, partitionTree(cat, c)...)
	}
	return out
}

// partitionScan makes s, a scan of the partitioned table t, read t's
// leaves.
func (p *Planner) partitionScan(s *exec.ScanNode, t *catalog.Table) error {
	ps, err := p.partLeaves(t)
	if err != nil {
		return err
	}
	s.SetLeaves(ps)
	for i, l := range ps.Leaves {
		if !l.Same {
			continue
		}
		if s.Leaves[i].IxExprs, err = p.IndexEvals(l.T); err != nil {
			return err
		}
	}
	return nil
}

// partWriters builds a writer for each leaf of ps.
func (p *Planner) partWriters(ps *exec.PartSet) ([]*exec.TableWriter, error) {
	out := make([]*exec.TableWriter, len(ps.Leaves))
	for i, l := range ps.Leaves {
		w, err := p.NewTableWriter(l.T)
		if err != nil {
			return nil, err
		}
		w.Part = nil // routed rows fit their leaf
		out[i] = w
	}
	return out, nil
}

// partConstraint gives a partition's writer its partition constraint.
func (p *Planner) partConstraint(w *exec.TableWriter, t *catalog.Table) error {
	if t.PartOf == 0 {
		return nil
	}
	pc, err := exec.NewPartConstraint(p.Cat, t)
	if err != nil {
		return pgerror.Wrap(err, pgerror.Internal, "partition constraint")
	}
	w.Part = pc
	return nil
}

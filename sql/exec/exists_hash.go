package exec

import "logdb/sql/types"

// hashedExists evaluates a decorrelated EXISTS: the inner rows' keys are
// hashed once per execution (rows with a NULL key can equal nothing and
// are left out), then each outer row's keys are looked up — NULL in any
// of them is false, as "= NULL" never holds.
func (e *SubqueryExpr) hashedExists(ec *Ctx, row []types.Datum) (types.Datum, error) {
	var key []byte
	for i, t := range e.Tests {
		v, err := t.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return false, nil
		}
		key = types.AppendKey(key, e.Ops[i].Left, v)
	}
	if ec.inSets == nil {
		ec.inSets = map[*SubqueryExpr]*inSet{}
	}
	set := ec.inSets[e]
	if set == nil {
		rows, err := e.rows(ec, nil, 0)
		if err != nil {
			return nil, err
		}
		set = &inSet{keys: make(map[string]bool, len(rows))}
	next:
		for _, r := range rows {
			var k []byte
			for i, op := range e.Ops {
				if r[i] == nil {
					continue next
				}
				k = types.AppendKey(k, op.Right, r[i])
			}
			set.keys[string(k)] = true
		}
		ec.inSets[e] = set
	}
	return set.keys[string(key)], nil
}

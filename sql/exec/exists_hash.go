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
	set, err := e.hashedSet(ec, func(set *inSet, r []types.Datum) {
		var k []byte
		for i, op := range e.Ops {
			if r[i] == nil {
				return
			}
			k = types.AppendKey(k, op.Right, r[i])
		}
		set.keys[string(k)] = true
	})
	if err != nil {
		return nil, err
	}
	return set.keys[string(key)], nil
}

// hashedGroupIn evaluates a decorrelated x = ANY (sub-query): the rows
// are grouped by their inner keys (a row with a NULL key can match no
// outer row and is left out), each group hashed as an uncorrelated IN's
// set; an outer row's group is the rows its correlated sub-query would
// have returned, so IN's answer (true, false, or NULL for a NULL x or a
// NULL among the values) comes out the same.
func (e *SubqueryExpr) hashedGroupIn(ec *Ctx, row []types.Datum) (types.Datum, error) {
	var key []byte
	for i, t := range e.Tests {
		v, err := t.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return false, nil // no row of the sub-query: IN of nothing
		}
		key = types.AppendKey(key, e.Ops[i].Left, v)
	}
	if ec.inGroups == nil {
		ec.inGroups = map[*SubqueryExpr]map[string]*inSet{}
	}
	groups := ec.inGroups[e]
	if groups == nil {
		rows, err := e.rows(ec, nil, 0)
		if err != nil {
			return nil, err
		}
		groups = map[string]*inSet{}
	next:
		for _, r := range rows {
			var k []byte
			for i, op := range e.Ops {
				if r[i+1] == nil {
					continue next
				}
				k = types.AppendKey(k, op.Right, r[i+1])
			}
			g := groups[string(k)]
			if g == nil {
				g = &inSet{keys: map[string]bool{}}
				groups[string(k)] = g
			}
			if r[0] == nil {
				g.hasNull = true
				continue
			}
			g.keys[string(types.AppendKey(nil, e.Op.Right, r[0]))] = true
		}
		ec.inGroups[e] = groups
	}
	g := groups[string(key)]
	if g == nil {
		return false, nil
	}
	l, err := e.Test.Eval(ec, row)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, nil
	}
	if g.keys[string(types.AppendKey(nil, e.Op.Left, l))] {
		return true, nil
	}
	if g.hasNull {
		return nil, nil
	}
	return false, nil
}

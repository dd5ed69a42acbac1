package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
)

// Checks PostgreSQL's parser makes on a query's shape before planning it:
// range variables named twice in one FROM level (42712), a recursive
// query's self-reference where it cannot be evaluated (42P19), WINDOW
// names defined twice (42P20).

// SQLSTATEs of these checks.
const (
	codeDuplicateAlias   = "42712"
	codeInvalidRecursion = "42P19"
	codeWindowingError   = "42P20"
)

// checkRefnameConflicts fails when two FROM items of one level expose the
// same range variable name (PostgreSQL's checkNameSpaceConflicts). Each
// group is one item's columns; its names are the distinct tables its
// columns belong to (a join without an alias exposes those of its sides).
func checkRefnameConflicts(groups ...[]exec.Column) error {
	seen := map[string]bool{}
	for _, cols := range groups {
		mine := map[string]bool{}
		for _, c := range cols {
			if c.Table == "" || mine[c.Table] {
				continue
			}
			if seen[c.Table] {
				return pgerror.New(codeDuplicateAlias, "table name \"%s\" specified more than once", c.Table)
			}
			mine[c.Table] = true
		}
		for k := range mine {
			seen[k] = true
		}
	}
	return nil
}

// checkWindowNames fails on a WINDOW clause defining a name twice.
func checkWindowNames(sel *pg_query.SelectStmt) error {
	seen := map[string]bool{}
	for _, w := range sel.WindowClause {
		name := w.GetWindowDef().GetName()
		if seen[name] {
			return pgerror.New(codeWindowingError, "window \"%s\" is already defined", name)
		}
		seen[name] = true
	}
	return nil
}

// Where a recursive reference sits (PostgreSQL's RecursionContext).
const (
	recursionOK = iota
	recursionOuterJoin
	recursionSublink
)

// checkRecursiveTerm checks the recursive term of WITH RECURSIVE name as
// PostgreSQL's checkWellFormedRecursion does for the cases logdb meets:
// the self-reference may appear once, not on the nullable side of an
// outer join and not inside a sub-query in an expression.
func checkRecursiveTerm(rec *pg_query.SelectStmt, name string) error {
	refs := 0
	var walk func(n *pg_query.Node, ctx int) error
	walk = func(n *pg_query.Node, ctx int) error {
		if n == nil {
			return nil
		}
		switch {
		case n.GetRangeVar() != nil:
			rv := n.GetRangeVar()
			if rv.Schemaname != "" || rv.Relname != name {
				return nil
			}
			switch ctx {
			case recursionOuterJoin:
				return pgerror.New(codeInvalidRecursion, "recursive reference to query \"%s\" must not appear within an outer join", name)
			case recursionSublink:
				return pgerror.New(codeInvalidRecursion, "recursive reference to query \"%s\" must not appear within a subquery", name)
			}
			if refs++; refs > 1 {
				return pgerror.New(codeInvalidRecursion, "recursive reference to query \"%s\" must not appear more than once", name)
			}
			return nil
		case n.GetJoinExpr() != nil:
			j := n.GetJoinExpr()
			lctx, rctx := ctx, ctx
			switch j.Jointype {
			case pg_query.JoinType_JOIN_LEFT:
				rctx = recursionOuterJoin
			case pg_query.JoinType_JOIN_RIGHT:
				lctx = recursionOuterJoin
			case pg_query.JoinType_JOIN_FULL:
				lctx, rctx = recursionOuterJoin, recursionOuterJoin
			}
			if err := walk(j.Larg, lctx); err != nil {
				return err
			}
			if err := walk(j.Rarg, rctx); err != nil {
				return err
			}
			return walk(j.Quals, ctx)
		case n.GetSubLink() != nil:
			sl := n.GetSubLink()
			if err := walk(sl.Testexpr, ctx); err != nil {
				return err
			}
			return walk(sl.Subselect, recursionSublink)
		}
		var err error
		eachChildNode(n.ProtoReflect(), func(x *pg_query.Node) {
			if err == nil {
				err = walk(x, ctx)
			}
		})
		return err
	}
	return walk(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: rec}}, recursionOK)
}

// eachChildNode calls fn for every Node directly below m (through any
// nesting of non-Node messages).
func eachChildNode(m protoreflect.Message, fn func(*pg_query.Node)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind || fd.IsMap() {
			return true
		}
		visit := func(x protoreflect.Message) {
			if node, ok := x.Interface().(*pg_query.Node); ok {
				fn(node)
			} else {
				eachChildNode(x, fn)
			}
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visit(l.Get(i).Message())
			}
		} else {
			visit(v.Message())
		}
		return true
	})
}

// cteColumnCountErr is PostgreSQL's error for WITH name(cols) naming more
// columns than the query has.
func cteColumnCountErr(cte *pg_query.CommonTableExpr, have int) error {
	return pgerror.New(pgerror.InvalidColumnReference, "WITH query \"%s\" has %d columns available but %d columns specified", cte.Ctename, have, len(cte.Aliascolnames))
}

// WalkAllNodes calls fn for n and every Node below it, sub-queries
// included.
func WalkAllNodes(n *pg_query.Node, fn func(*pg_query.Node)) {
	if n == nil {
		return
	}
	fn(n)
	eachChildNode(n.ProtoReflect(), func(x *pg_query.Node) { WalkAllNodes(x, fn) })
}

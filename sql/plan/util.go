package plan

import (
	"strings"

	"logdb/sql/exec"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// exprKey is a location-insensitive identity of a parse node, used to match
// GROUP BY expressions and aggregate calls to their uses.
func exprKey(n *pg_query.Node) string {
	c := proto.Clone(n).(*pg_query.Node)
	clearLocations(c.ProtoReflect())
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	return string(b)
}

func clearLocations(m protoreflect.Message) {
	var clear []protoreflect.FieldDescriptor
	defer func() {
		for _, fd := range clear {
			m.Clear(fd)
		}
	}()
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Name() == "location" || fd.Name() == "stmt_location":
			clear = append(clear, fd)
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				clearLocations(l.Get(i).Message())
			}
		case fd.Kind() == protoreflect.MessageKind && !fd.IsMap():
			clearLocations(v.Message())
		}
		return true
	})
}

// WalkNodes calls fn for every Node under n (n included), not descending
// into sub-selects; fn returns false to skip a node's children.
func WalkNodes(n *pg_query.Node, fn func(*pg_query.Node) bool) {
	if n == nil {
		return
	}
	if !fn(n) {
		return
	}
	if n.GetSubLink() != nil {
		WalkNodes(n.GetSubLink().Testexpr, fn)
		return
	}
	if n.GetSelectStmt() != nil || n.GetRangeSubselect() != nil {
		return
	}
	walkMessage(n.ProtoReflect(), fn)
}

func walkMessage(m protoreflect.Message, fn func(*pg_query.Node) bool) {
	eachChildNode(m, func(n *pg_query.Node) { WalkNodes(n, fn) }) // checks.go
}

var aggregateNames = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true,
	"bool_and": true, "bool_or": true, "every": true, "string_agg": true,
	"array_agg": true, "json_agg": true, "jsonb_agg": true,
	"json_object_agg": true, "jsonb_object_agg": true,
}

func isAggregate(name string) bool {
	_, stats := exec.StatsAggArgs[name]
	return aggregateNames[name] || stats || orderedSetAggs[name]
}

// collectAggregates returns the aggregate calls under n (outside sub-selects).
func collectAggregates(n *pg_query.Node, out []*pg_query.Node) []*pg_query.Node {
	WalkNodes(n, func(x *pg_query.Node) bool {
		if fc := x.GetFuncCall(); fc != nil && fc.Over == nil && (isAggregate(funcName(fc.Funcname)) || fc.AggWithinGroup) {
			out = append(out, x)
			return false
		}
		return true
	})
	return out
}

// splitAnd flattens a WHERE clause into its AND-ed conjuncts.
func splitAnd(n *pg_query.Node, out []*pg_query.Node) []*pg_query.Node {
	if n == nil {
		return out
	}
	if be := n.GetBoolExpr(); be != nil && be.Boolop == pg_query.BoolExprType_AND_EXPR {
		for _, a := range be.Args {
			out = splitAnd(a, out)
		}
		return out
	}
	return append(out, n)
}

// strongName reports whether outputName(n) names n itself rather than a
// type or a construct (PostgreSQL's FigureColname strength 2): the name
// a cast around n keeps.
func strongName(n *pg_query.Node) bool {
	switch {
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		return outputName(tc.Arg) != "?column?" && strongName(tc.Arg)
	case n.GetCaseExpr() != nil:
		return false
	}
	return true
}

// outputName is the column name PostgreSQL gives an unaliased target.
func outputName(n *pg_query.Node) string {
	switch {
	case n.GetColumnRef() != nil:
		f := NodeStrings(n.GetColumnRef().Fields)
		return f[len(f)-1]
	case n.GetFuncCall() != nil:
		return LastName(n.GetFuncCall().Funcname)
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		if inner := outputName(tc.Arg); inner != "?column?" && strongName(tc.Arg) {
			return inner
		}
		name := LastName(tc.TypeName.Names)
		switch name {
		case "int4":
			if len(tc.TypeName.Names) == 2 {
				return "int4"
			}
		}
		return name
	case n.GetCaseExpr() != nil:
		return "case"
	case n.GetCoalesceExpr() != nil:
		return "coalesce"
	case n.GetMinMaxExpr() != nil:
		if n.GetMinMaxExpr().Op == pg_query.MinMaxOp_IS_GREATEST {
			return "greatest"
		}
		return "least"
	case n.GetAIndirection() != nil:
		ind := n.GetAIndirection()
		for i := len(ind.Indirection) - 1; i >= 0; i-- {
			if f := ind.Indirection[i].GetString_(); f != nil {
				return f.Sval // (f(x)).field, (c).arr[2]: the last field named
			}
		}
		return outputName(ind.Arg)
	case n.GetSubLink() != nil:
		sl := n.GetSubLink()
		switch sl.SubLinkType {
		case pg_query.SubLinkType_EXISTS_SUBLINK:
			return "exists"
		case pg_query.SubLinkType_ARRAY_SUBLINK:
			return "array"
		case pg_query.SubLinkType_EXPR_SUBLINK:
			if sel := sl.Subselect.GetSelectStmt(); sel != nil && len(sel.TargetList) == 1 {
				rt := sel.TargetList[0].GetResTarget()
				if rt.Name != "" {
					return rt.Name
				}
				return outputName(rt.Val)
			}
		}
	case n.GetAArrayExpr() != nil:
		return "array"
	case n.GetRowExpr() != nil:
		return "row"
	case n.GetSqlvalueFunction() != nil:
		s := strings.ToLower(strings.TrimPrefix(n.GetSqlvalueFunction().Op.String(), "SVFOP_"))
		s = strings.TrimSuffix(s, "_n")
		if s == "current_catalog" {
			return "current_catalog"
		}
		return s
	case n.GetCollateClause() != nil:
		return outputName(n.GetCollateClause().Arg)
	case n.GetAExpr() != nil:
		a := n.GetAExpr()
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif"
		}
	}
	return "?column?"
}

// isVolatile reports whether e calls a volatile function (exec.IsVolatile).
func isVolatile(e exec.Expr) bool { return exec.IsVolatile(e) }

var volatileBuiltins = exec.VolatileBuiltins

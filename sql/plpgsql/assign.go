package plpgsql

import (
	"regexp"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Assignment to a part of a variable: a[i] := v, a[i][j] := v,
// a[lo:hi] := v, r.f[i] := v, a[i].f := v. The subscripts are
// evaluated as one query (with the frame's variables), then the Host
// replaces the part as UPDATE … SET a[i] = v does (growth rules, errors).

// PartStep is one step of an assignment target's path below the
// variable: a field, or subscripts, one per dimension (Slice: lower
// bounds in Lo, 1 for a dimension given without one).
type PartStep struct {
	Field  string
	Subs   bool
	Slice  bool
	Lo, Hi []Subscript
}

// Subscript is one evaluated subscript or slice bound.
type Subscript struct {
	Omitted bool // a slice's bound left out (a[:2])
	Null    bool
	V       int64
}

// assignTarget splits "target := expr" (or "target = expr") at the
// operator: the target's text.
func assignTarget(q string) string {
	inQuote := false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == ':' && i+1 < len(q) && q[i+1] == '=', c == '=':
			return strings.TrimSpace(q[:i])
		}
	}
	return q
}

// hasSubscript reports whether an assignment's target has a subscript.
func hasSubscript(q string) bool {
	return strings.Contains(assignTarget(q), "[")
}

// assignPart runs an assignment whose target has subscripts.
func (f *frame) assignPart(s *Stmt) error {
	target := assignTarget(s.Expr.Query)
	tree, err := pg_query.Parse("SELECT " + target)
	if err != nil {
		return pgerror.New(pgerror.SyntaxError, "%s", err.Error())
	}
	var ind *pg_query.A_Indirection
	if stmts := tree.Stmts; len(stmts) == 1 {
		if sel := stmts[0].Stmt.GetSelectStmt(); sel != nil && len(sel.TargetList) == 1 {
			ind = sel.TargetList[0].GetResTarget().GetVal().GetAIndirection()
		}
	}
	if ind == nil {
		return pgerror.Unsupported("this assignment target in PL/pgSQL")
	}
	// the subscripts' expressions, evaluated together
	var exprs []*pg_query.Node
	for _, n := range ind.Indirection {
		if ai := n.GetAIndices(); ai != nil {
			for _, e := range []*pg_query.Node{ai.Lidx, ai.Uidx} {
				if e != nil {
					exprs = append(exprs, &pg_query.Node{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: e}}})
				}
			}
		}
	}
	var vals []types.Datum
	if len(exprs) > 0 {
		sel := &pg_query.ParseResult{Version: tree.Version, Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{TargetList: exprs}}}}}}
		q, err := pg_query.Deparse(sel)
		if err != nil {
			return pgerror.Wrap(err, pgerror.Internal, "plpgsql: subscripts")
		}
		res, err := f.h.Query(q, f, 2)
		if err != nil {
			return err
		}
		vals = make([]types.Datum, len(exprs))
		for i := range vals {
			if len(res.Rows) > 0 {
				if vals[i], err = f.cast(res.Rows[0][i], res.Types[i], int4T); err != nil {
					return err
				}
			}
		}
	}
	next := func(e *pg_query.Node) Subscript {
		if e == nil {
			return Subscript{Omitted: true}
		}
		v := vals[0]
		vals = vals[1:]
		if v == nil {
			return Subscript{Null: true}
		}
		return Subscript{V: v.(int64)}
	}
	var path []PartStep
	for _, n := range ind.Indirection {
		if str := n.GetString_(); str != nil {
			path = append(path, PartStep{Field: str.Sval})
			continue
		}
		ai := n.GetAIndices()
		if ai == nil {
			return pgerror.Unsupported("this assignment target in PL/pgSQL")
		}
		if len(path) == 0 || !path[len(path)-1].Subs || path[len(path)-1].Field != "" {
			path = append(path, PartStep{Subs: true})
		}
		st := &path[len(path)-1]
		lo := Subscript{V: 1}
		if ai.IsSlice {
			st.Slice = true
			lo = next(ai.Lidx)
		}
		st.Lo, st.Hi = append(st.Lo, lo), append(st.Hi, next(ai.Uidx))
	}
	v, t, err := f.eval(s.Expr)
	if err != nil {
		return err
	}
	// the variable's current value: a variable, or a record's field
	decl := f.r.fn.Datums[s.Varno]
	var cur types.Datum
	var curT types.T
	if decl.Kind == "recfield" {
		if cur, curT, err = f.Value(VarRef{Dno: decl.Recparentno, Field: decl.Fieldname}); err != nil {
			return err
		}
	} else if f.isRec(s.Varno) {
		return pgerror.New(pgerror.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", types.FormatType(f.vals[s.Varno].t))
	} else {
		cur, curT = f.vals[s.Varno].d, f.vals[s.Varno].t
	}
	nv, err := f.h.AssignPart(cur, curT, path, v, t)
	if err != nil {
		return err
	}
	return f.assign(s.Varno, nv, curT)
}

// unknownField is PL/pgSQL's compile error for r.f := … where r is not a
// record variable.
var unknownField = regexp.MustCompile(`"([^".]+)\.[^"]+" is not a known variable`)

// parseRowVars is parse, but a variable of a named composite type whose
// field is assigned (r.f := …), which PL/pgSQL's grammar without the
// catalog takes for a scalar, is declared record for the grammar and
// given its declared type back in the tree (frame.init reads it).
func parseRowVars(createSQL, body string) (*function, error) {
	typed := map[string]string{}
	for {
		fn, err := parse(createSQL)
		if err == nil {
			for _, d := range fn.Datums {
				if tn, ok := typed[d.Refname]; ok && d.Kind == "rec" && d.Lineno > 0 {
					d.Datatype = &struct {
						T struct {
							Typname string `json:"typname"`
						} `json:"PLpgSQL_type"`
					}{}
					d.Datatype.T.Typname = tn
				}
			}
			return fn, nil
		}
		m := unknownField.FindStringSubmatch(err.Error())
		at := strings.Index(createSQL, body)
		if m == nil || at < 0 || typed[m[1]] != "" || len(typed) >= 100 {
			return nil, err
		}
		decl := regexp.MustCompile(`(?i)(^|[\s;])` + regexp.QuoteMeta(m[1]) + `\s+([A-Za-z_][\w."]*(?:\s*%\s*rowtype)?)\s*;`)
		loc := decl.FindStringSubmatchIndex(body)
		if loc == nil || strings.EqualFold(body[loc[4]:loc[5]], "record") {
			return nil, err
		}
		typed[m[1]] = body[loc[4]:loc[5]]
		body = body[:loc[4]] + "record" + body[loc[5]:]
		createSQL = createSQL[:at] + body + createSQL[at+len(body)-len("record")+len(typed[m[1]]):]
	}
}

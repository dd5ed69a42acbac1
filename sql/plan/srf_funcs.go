package plan

import (
	"strings"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
	"logdb/sql/types/jsondoc"
)

// recordFuncs return record: they take their columns from a column
// definition list (AS t(a int, b text)).
var recordFuncs = map[string]bool{"json_to_record": true, "jsonb_to_record": true, "json_to_recordset": true, "jsonb_to_recordset": true}

// moreSetReturningFunc plans the json set-returning functions and
// regexp_split_to_table.
func (p *Planner) moreSetReturningFunc(n *SRFNode, name string, args []exec.Expr) (*SRFNode, error) {
	jsonArg := func(jb bool) error {
		if len(args) != 1 {
			return NoFunc(name, args)
		}
		want := types.T{OID: types.JSONOID, Mod: -1}
		if jb {
			want.OID = types.JSONBOID
		}
		if !isUnknown(args[0]) && args[0].Type().OID != want.OID {
			return NoFunc(name, args)
		}
		var err error
		n.args[0], err = p.Coerce(args[0], want, types.CastImplicit)
		n.jsonb = jb
		return err
	}
	jb := strings.HasPrefix(name, "jsonb")
	jt := types.T{OID: types.JSONOID, Mod: -1}
	if jb {
		jt.OID = types.JSONBOID
	}
	switch name {
	case "json_each", "jsonb_each":
		n.t, n.t2, n.names = exec.TextT, []types.T{jt}, []string{"key", "value"}
	case "json_each_text", "jsonb_each_text":
		n.t, n.t2, n.names = exec.TextT, []types.T{exec.TextT}, []string{"key", "value"}
	case "json_array_elements", "jsonb_array_elements":
		n.t, n.names = jt, []string{"value"}
	case "json_array_elements_text", "jsonb_array_elements_text":
		n.t, n.names = exec.TextT, []string{"value"}
	case "json_object_keys", "jsonb_object_keys":
		n.t = exec.TextT
	case "json_to_record", "jsonb_to_record", "json_to_recordset", "jsonb_to_recordset":
		// the columns come from the definition list (fromFunction)
	case "regexp_split_to_table":
		if len(args) < 2 || len(args) > 3 {
			return nil, NoFunc(name, args)
		}
		arr, err := p.callFunction("regexp_split_to_array", args, nil)
		if err != nil {
			return nil, NoFunc(name, args)
		}
		n.args, n.t = []exec.Expr{arr}, exec.TextT
		return n, nil
	case "regexp_matches", "string_to_table":
		// the elements of regexp_matches's array of matches (sql/builtins'
		// setfuncs.go), of string_to_array
		if len(args) < 2 || len(args) > 3 {
			return nil, NoFunc(name, args)
		}
		scalar := map[string]string{"regexp_matches": "regexp_matches", "string_to_table": "string_to_array"}[name]
		arr, err := p.callFunction(scalar, args, nil)
		if err != nil {
			if pgerror.Code(err) == pgerror.UndefinedFunction {
				return nil, NoFunc(name, args)
			}
			return nil, err
		}
		n.args, n.t = []exec.Expr{arr}, exec.TextT
		if name == "regexp_matches" {
			n.t = types.T{OID: types.TextArrayOID, Mod: -1}
		}
		return n, nil
	case "jsonb_path_query":
		// the elements of jsonb_path_query_array (sql/builtins/jsonpath)
		arr, err := p.callFunction("jsonb_path_query_array", args, nil)
		if err != nil {
			if pgerror.Code(err) == pgerror.UndefinedFunction {
				return nil, NoFunc(name, args)
			}
			return nil, err
		}
		n.args, n.t = []exec.Expr{arr}, jt
		return n, nil
	default:
		return nil, unsupportedFrom("function " + name + " in FROM")
	}
	return n, jsonArg(jb)
}

// outCols is the function's own columns (no ordinality), the single one
// named name.
func (n *SRFNode) outCols(name string) []exec.Column {
	if n.names == nil {
		return []exec.Column{{Name: name, T: n.t}}
	}
	cols := []exec.Column{{Name: n.names[0], T: n.t}}
	for i, t := range n.t2 {
		cols = append(cols, exec.Column{Name: n.names[i+1], T: t})
	}
	return cols
}

// asRecord makes a function of several columns yield one record value
// per row (a set-returning function in the select list).
func (n *SRFNode) asRecord() (types.T, error) {
	if len(n.names) < 2 {
		return n.t, nil
	}
	var fields []types.RecordField
	for _, c := range n.outCols("") {
		fields = append(fields, types.RecordField{Name: c.Name, T: c.T})
	}
	var err error
	n.record, err = types.RecordType(fields)
	return n.record, err
}

func (n *SRFNode) recordIter(ec *exec.Ctx, in []types.Datum) (exec.Iterator, error) {
	rt := n.record
	n2 := *n
	n2.record = types.T{}
	it, err := n2.IterFor(ec, in)
	if err != nil {
		return nil, err
	}
	return &recordIter{src: it, t: rt}, nil
}

type recordIter struct {
	src exec.Iterator
	t   types.T
}

func (it *recordIter) Next() ([]types.Datum, error) {
	row, err := it.src.Next()
	if err != nil || row == nil {
		return nil, err
	}
	return []types.Datum{types.Record{Values: row}}, nil
}

func (it *recordIter) Close() { it.src.Close() }

func jsonValueDatum(v *jsondoc.Value, jb bool) types.Datum {
	if jb {
		return types.JSONB(v.AppendJSONB(nil))
	}
	return types.JSON(v.Raw)
}

func jsonValueText(v *jsondoc.Value, jb bool) types.Datum {
	switch v.Kind {
	case jsondoc.Null:
		return nil
	case jsondoc.String:
		return v.Text
	}
	if jb {
		return string(v.AppendJSONB(nil))
	}
	return v.Raw
}

func jsonKindName(v *jsondoc.Value) string {
	switch v.Kind {
	case jsondoc.Array:
		return "an array"
	case jsondoc.Object:
		return "an object"
	}
	return "a scalar"
}

// moreRowsOf is the rows of the functions moreSetReturningFunc plans.
func (n *SRFNode) moreRowsOf(ec *exec.Ctx, vals []types.Datum, emit func(types.Datum, ...types.Datum)) error {
	var doc *jsondoc.Value
	if len(vals) == 1 {
		if _, ok := vals[0].(types.JSON); ok {
			doc = types.JSONDocument(vals[0])
		} else if _, ok := vals[0].(types.JSONB); ok {
			doc = types.JSONDocument(vals[0])
		}
	}
	jb := n.jsonb
	switch n.Name {
	case "json_each", "jsonb_each", "json_each_text", "jsonb_each_text":
		if doc.Kind != jsondoc.Object {
			return pgerror.New(pgerror.InvalidParameterValue, "cannot call %s on a non-object", n.Name)
		}
		text := strings.HasSuffix(n.Name, "_text")
		for i, k := range doc.Keys {
			if text {
				emit(k, jsonValueText(doc.Vals[i], jb))
			} else {
				emit(k, jsonValueDatum(doc.Vals[i], jb))
			}
		}
	case "json_array_elements", "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text":
		if doc.Kind != jsondoc.Array {
			if jb {
				return pgerror.New(pgerror.InvalidParameterValue, "cannot extract elements from %s", map[bool]string{true: "an object", false: "a scalar"}[doc.Kind == jsondoc.Object])
			}
			if doc.Kind == jsondoc.Object {
				return pgerror.New(pgerror.InvalidParameterValue, "cannot call %s on a non-array", n.Name)
			}
			return pgerror.New(pgerror.InvalidParameterValue, "cannot extract elements from a scalar")
		}
		text := strings.HasSuffix(n.Name, "_text")
		for _, e := range doc.Elems {
			if text {
				emit(jsonValueText(e, jb))
			} else {
				emit(jsonValueDatum(e, jb))
			}
		}
	case "json_object_keys", "jsonb_object_keys":
		if doc.Kind != jsondoc.Object {
			return pgerror.New(pgerror.InvalidParameterValue, "cannot call %s on %s", n.Name, jsonKindName(doc))
		}
		for _, k := range doc.Keys {
			emit(k)
		}
	case "json_to_record", "jsonb_to_record":
		if doc.Kind != jsondoc.Object {
			return pgerror.New(pgerror.InvalidParameterValue, "cannot call populate_composite on %s", jsonKindName(doc))
		}
		row, err := n.recordFromJSON(ec, doc)
		if err != nil {
			return err
		}
		emit(row[0], row[1:]...)
	case "json_to_recordset", "jsonb_to_recordset":
		if doc.Kind != jsondoc.Array {
			return pgerror.New(pgerror.InvalidParameterValue, "cannot call %s on a non-array", n.Name)
		}
		for i, e := range doc.Elems {
			if e.Kind != jsondoc.Object {
				return pgerror.New(pgerror.InvalidParameterValue, "argument of %s must be an array of objects", n.Name)
			}
			if i&255 == 255 {
				if err := ec.Tick(); err != nil {
					return err
				}
			}
			row, err := n.recordFromJSON(ec, e)
			if err != nil {
				return err
			}
			emit(row[0], row[1:]...)
		}
	case "regexp_split_to_table":
		for _, e := range vals[0].(types.Array).Elements {
			emit(e)
		}
	case "regexp_matches", "string_to_table":
		for _, e := range vals[0].(types.Array).Elements {
			emit(e)
		}
	case "jsonb_path_query":
		for _, e := range doc.Elems {
			emit(types.JSONB(e.AppendJSONB(nil)))
		}
	}
	return nil
}

// recordFromJSON is json_populate_record's row: each column the object's
// key of the same name, converted as PostgreSQL 15 converts it.
func (n *SRFNode) recordFromJSON(ec *exec.Ctx, obj *jsondoc.Value) ([]types.Datum, error) {
	cols := n.outCols("")
	row := make([]types.Datum, len(cols))
	for i, c := range cols {
		var v *jsondoc.Value
		for k := len(obj.Keys) - 1; k >= 0; k-- { // json: the last duplicate wins
			if obj.Keys[k] == c.Name {
				v = obj.Vals[k]
				break
			}
		}
		if v == nil {
			continue
		}
		d, err := jsonToDatum(ec, v, c.T, n.jsonb)
		if err != nil {
			return nil, err
		}
		row[i] = d
	}
	return row, nil
}

// jsonToDatum converts one json value to a column of type t: json and
// jsonb take it as it is, an array type from a json array element by
// element, anything else from the string's text or the value's json text.
func jsonToDatum(ec *exec.Ctx, v *jsondoc.Value, t types.T, jb bool) (types.Datum, error) {
	if v.Kind == jsondoc.Null {
		return nil, nil
	}
	text := v.Raw
	if jb || text == "" {
		text = string(v.AppendJSONB(nil))
	}
	switch t.OID {
	case types.JSONOID:
		return types.JSON(text), nil
	case types.JSONBOID:
		return types.ParseJSONB(text)
	}
	if et, ok := types.ElemOf(t); ok && v.Kind == jsondoc.Array {
		arr := types.Array{Elem: et, Elements: make([]types.Datum, len(v.Elems))}
		for i, e := range v.Elems {
			d, err := jsonToDatum(ec, e, et, jb)
			if err != nil {
				return nil, err
			}
			arr.Elements[i] = d
		}
		return arr, nil
	}
	if v.Kind == jsondoc.String {
		text = v.Text
	}
	return exec.CastDatum(ec, text, exec.TextT, t, types.CastExplicit)
}

// zipSRFNode is ROWS FROM (f(…), g(…)) and unnest(a, b, …): its
// functions' rows side by side, each NULL-padded after its last row,
// until the longest ends.
type zipSRFNode struct {
	parts      []*SRFNode
	widths     []int
	ordinality bool
	cols       []exec.Column
}

func (z *zipSRFNode) Columns() []exec.Column { return z.cols }

func (z *zipSRFNode) Start(ec *exec.Ctx) (exec.Iterator, error) {
	its := make([]exec.Iterator, len(z.parts))
	for i, p := range z.parts {
		it, err := p.IterFor(ec, nil)
		if err != nil {
			for _, o := range its[:i] {
				o.Close()
			}
			return nil, err
		}
		its[i] = it
	}
	return &zipIter{z: z, its: its}, nil
}

type zipIter struct {
	z   *zipSRFNode
	its []exec.Iterator // nil once exhausted
	n   int64
}

func (it *zipIter) Next() ([]types.Datum, error) {
	row := make([]types.Datum, 0, len(it.z.cols))
	live := false
	for i, sub := range it.its {
		var r []types.Datum
		if sub != nil {
			var err error
			if r, err = sub.Next(); err != nil {
				return nil, err
			}
			if r == nil {
				sub.Close()
				it.its[i] = nil
			} else {
				live = true
			}
		}
		if r == nil {
			r = make([]types.Datum, it.z.widths[i])
		}
		row = append(row, r[:it.z.widths[i]]...)
	}
	if !live {
		return nil, nil
	}
	it.n++
	if it.z.ordinality {
		row = append(row, it.n)
	}
	return row, nil
}

func (it *zipIter) Close() {
	for _, sub := range it.its {
		if sub != nil {
			sub.Close()
		}
	}
}

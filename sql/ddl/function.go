package ddl

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// BodyChecker validates a function body at CREATE (PostgreSQL's
// check_function_bodies): package sql parses PL/pgSQL bodies with
// sql/plpgsql and SQL bodies with pg_query.
type BodyChecker func(f *catalog.Function) error

// CreateFunction runs CREATE [OR REPLACE] FUNCTION and CREATE PROCEDURE.
func CreateFunction(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateFunctionStmt, check BodyChecker) error {
	names := plan.NodeStrings(cs.Funcname)
	rv := &pg_query.RangeVar{Relname: names[len(names)-1]}
	if len(names) > 1 {
		rv.Schemaname = names[len(names)-2]
	}
	schema, err := creationSchema(ec, d, rv)
	if err != nil {
		return err
	}
	p := ec.Session.Planner(d.Cat)
	p.RowTypes = true // RETURNS t: stored as RetRel
	f := &catalog.Function{Name: rv.Relname, Schema: storedSchema(schema), Kind: "f", Volatility: "v", Owner: d.Owner}
	if cs.IsProcedure {
		f.Kind = "p"
	}
	if err := functionArgs(p, f, cs.Parameters); err != nil {
		return err
	}
	if err := functionOptions(f, cs.Options); err != nil {
		return err
	}
	if cs.SqlBody != nil {
		return pgerror.Unsupported("SQL-standard function bodies (BEGIN ATOMIC / RETURN)")
	}
	if err := functionReturns(p, f, cs); err != nil {
		return err
	}
	if f.Lang == "" {
		return pgerror.New(pgerror.InvalidFunctionDefinition, "no language specified")
	}
	if check != nil {
		if err := check(f); err != nil {
			return err
		}
	}
	for _, old := range d.Cat.Functions(catalog.Key(schema, f.Name)) {
		if !old.SameSignature(f) {
			continue
		}
		what := map[bool]string{true: "procedure", false: "function"}[old.Kind == "p"]
		if !cs.Replace {
			return pgerror.New(pgerror.DuplicateFunction, "%s \"%s\" already exists with same argument types", what, f.Name)
		}
		if old.Kind != f.Kind {
			return pgerror.New(pgerror.WrongObjectType, "cannot change routine kind")
		}
		if err := ec.Session.CheckOwner(d.Cat, old.Owner, what, f.Name); err != nil {
			return err
		}
		if f.Kind == "f" && (old.Ret != f.Ret || old.RetSet != f.RetSet) {
			return &pgerror.Error{Code: pgerror.InvalidFunctionDefinition, Message: "cannot change return type of existing function",
				Hint: "Use DROP FUNCTION " + old.Signature() + " first."}
		}
		if !sameOutputs(old, f) {
			return &pgerror.Error{Code: pgerror.InvalidFunctionDefinition, Message: "cannot change return type of existing function",
				Detail: "Row type defined by OUT parameters is different.", Hint: "Use DROP FUNCTION " + old.Signature() + " first."}
		}
		f.OID, f.Owner = old.OID, old.Owner
		return d.PutFunction(f)
	}
	if f.OID, err = d.NewOID(); err != nil {
		return err
	}
	return d.PutFunction(f)
}

func sameOutputs(a, b *catalog.Function) bool {
	ao, bo := a.OutputArgs(), b.OutputArgs()
	if len(ao) != len(bo) {
		return false
	}
	for i := range ao {
		if ao[i].Type != bo[i].Type || ao[i].Name != bo[i].Name {
			return false
		}
	}
	return true
}

func functionArgs(p *plan.Planner, f *catalog.Function, params []*pg_query.Node) error {
	sawDefault := false
	for _, n := range params {
		fp := n.GetFunctionParameter()
		t, err := p.TypeFromNode(fp.ArgType)
		if err != nil {
			return err
		}
		a := catalog.FuncArg{Name: fp.Name, Type: t}
		if t.OID == types.RecordOID && t.Mod >= 0 { // a table's row type
			if fp.Mode != pg_query.FunctionParameterMode_FUNC_PARAM_OUT {
				return pgerror.Unsupported("a table's row type as the type of an argument other than OUT")
			}
			if a.Rel, err = tableOfRowType(p, fp.ArgType); err != nil {
				return err
			}
			a.Type = types.T{OID: types.RecordOID, Mod: -1}
		}
		switch fp.Mode {
		case pg_query.FunctionParameterMode_FUNC_PARAM_OUT:
			a.Mode = "o"
		case pg_query.FunctionParameterMode_FUNC_PARAM_INOUT:
			a.Mode = "b"
		case pg_query.FunctionParameterMode_FUNC_PARAM_VARIADIC:
			a.Mode = "v"
			if !types.IsArray(t.OID) {
				return pgerror.New(pgerror.InvalidFunctionDefinition, "VARIADIC parameter must be an array")
			}
		case pg_query.FunctionParameterMode_FUNC_PARAM_TABLE:
			a.Mode = "t"
		default:
			a.Mode = "i"
		}
		if fp.Defexpr != nil {
			if !a.IsInput() {
				return pgerror.New(pgerror.InvalidFunctionDefinition, "only input parameters can have default values")
			}
			text, err := exec.DeparseExpr(fp.Defexpr)
			if err != nil {
				return err
			}
			a.Default, sawDefault = text, true
		} else if a.IsInput() && sawDefault {
			return pgerror.New(pgerror.InvalidFunctionDefinition, "input parameters after one with a default value must also have defaults")
		}
		if a.Name != "" {
			for _, b := range f.Args {
				if b.Name == a.Name && (b.IsInput() == a.IsInput() || b.IsOutput() == a.IsOutput()) {
					return pgerror.New(pgerror.InvalidFunctionDefinition, "parameter name \"%s\" used more than once", a.Name)
				}
			}
		}
		f.Args = append(f.Args, a)
	}
	in := f.InputArgs()
	for i, a := range in {
		if a.Mode == "v" && i != len(in)-1 {
			return pgerror.New(pgerror.InvalidFunctionDefinition, "VARIADIC parameter must be the last input parameter")
		}
	}
	if len(in) > 100 {
		return pgerror.New(pgerror.TooManyArguments, "functions cannot have more than 100 arguments")
	}
	return nil
}

func functionOptions(f *catalog.Function, opts []*pg_query.Node) error {
	for _, o := range opts {
		de := o.GetDefElem()
		switch de.Defname {
		case "as":
			parts := plan.NodeStrings(de.Arg.GetList().GetItems())
			if len(parts) != 1 {
				return pgerror.New(pgerror.InvalidFunctionDefinition, "only one AS item needed for language \"%s\"", f.Lang)
			}
			f.Body = parts[0]
		case "language":
			f.Lang = strings.ToLower(de.Arg.GetString_().GetSval())
			if f.Lang != "sql" && f.Lang != "plpgsql" {
				if f.Lang == "c" || f.Lang == "internal" {
					return pgerror.Unsupported("LANGUAGE " + f.Lang)
				}
				return pgerror.New(pgerror.UndefinedObject, "language \"%s\" does not exist", f.Lang)
			}
		case "volatility":
			f.Volatility = de.Arg.GetString_().GetSval()[:1]
		case "strict":
			f.Strict = de.Arg.GetBoolean().GetBoolval()
		case "security":
			f.SecDef = de.Arg.GetBoolean().GetBoolval()
		case "set":
			vs := de.Arg.GetVariableSetStmt()
			if vs != nil && vs.Kind == pg_query.VariableSetKind_VAR_SET_VALUE {
				vals := []string{}
				for _, a := range vs.Args {
					if c := a.GetAConst(); c != nil {
						if s := c.GetSval(); s != nil {
							vals = append(vals, s.Sval)
							continue
						}
					}
					if t, err := exec.DeparseExpr(a); err == nil {
						vals = append(vals, t)
					}
				}
				f.Config = append(f.Config, vs.Name+"="+strings.Join(vals, ", "))
			}
		case "window":
			return pgerror.Unsupported("WINDOW functions in " + f.Lang)
		case "cost", "rows", "parallel", "leakproof", "support":
			// planner hints: accepted and ignored
		}
	}
	return nil
}

func functionReturns(p *plan.Planner, f *catalog.Function, cs *pg_query.CreateFunctionStmt) error {
	outs := f.OutputArgs()
	if f.Kind == "p" {
		if cs.ReturnType != nil {
			return pgerror.New(pgerror.InvalidFunctionDefinition, "procedure cannot have a return type")
		}
		f.Ret = types.T{OID: types.VoidOID, Mod: -1}
		if len(outs) > 0 {
			f.Ret = types.T{OID: types.RecordOID, Mod: -1}
		}
		return nil
	}
	var outT types.T
	switch len(outs) {
	case 0:
	case 1:
		outT = outs[0].Type
	default:
		outT = types.T{OID: types.RecordOID, Mod: -1}
	}
	if cs.ReturnType == nil {
		if len(outs) == 0 {
			return pgerror.New(pgerror.InvalidFunctionDefinition, "function result type must be specified")
		}
		f.Ret = outT
		if len(outs) == 1 {
			f.RetRel = outs[0].Rel // OUT r t: the result is t's row
		}
		return nil
	}
	rt, err := p.TypeFromNode(cs.ReturnType)
	if err != nil {
		return err
	}
	f.Ret, f.RetSet = rt, cs.ReturnType.Setof
	if rt.OID == types.RecordOID && rt.Mod >= 0 { // a table's row type
		if f.RetRel, err = tableOfRowType(p, cs.ReturnType); err != nil {
			return err
		}
		f.Ret = types.T{OID: types.RecordOID, Mod: -1}
	}
	if len(outs) > 0 {
		if len(outs) > 1 && (rt.OID != types.RecordOID || f.RetRel != 0) || len(outs) == 1 && (rt.OID != outT.OID || outs[0].Rel != f.RetRel) {
			return pgerror.New(pgerror.InvalidFunctionDefinition, "function result type must be %s because of OUT parameters", types.FormatType(outT))
		}
		f.Ret = outT
	}
	return nil
}

// tableOfRowType is the OID of the table whose row type tn names.
func tableOfRowType(p *plan.Planner, tn *pg_query.TypeName) (uint32, error) {
	names := plan.NodeStrings(tn.Names)
	schema := ""
	if len(names) > 1 {
		schema = names[len(names)-2]
	}
	key, err := p.RelKey(schema, names[len(names)-1])
	if err != nil {
		return 0, err
	}
	t, ok := p.Cat.Tables[key]
	if !ok {
		return 0, pgerror.New(pgerror.UndefinedObject, "type \"%s\" does not exist", strings.Join(names, "."))
	}
	return t.OID, nil
}

// funcObject resolves DROP's, ALTER's and COMMENT's function reference:
// with argument types, the function taking them; without, the only
// function of that name (42725 when several).
func funcObject(ec *Ctx, d *catalog.Writer, owa *pg_query.ObjectWithArgs, kind string) (*catalog.Function, string, error) {
	names := plan.NodeStrings(owa.Objname)
	schema, name := "", names[len(names)-1]
	if len(names) > 1 {
		schema = names[len(names)-2]
	}
	p := ec.Session.Planner(d.Cat)
	if schema == catalog.TempAlias {
		schema = p.TempSchema
	}
	cands := d.Cat.FunctionsOnPath(p.FunctionPath(), schema, name)
	display := strings.Join(names, ".")
	if owa.ArgsUnspecified {
		switch {
		case len(cands) == 1:
			return cands[0], display, nil
		case len(cands) > 1:
			return nil, display, pgerror.New(pgerror.AmbiguousFunction, "%s name \"%s\" is not unique", kind, display)
		}
		return nil, display, pgerror.New(pgerror.UndefinedFunction, "could not find a %s named \"%s\"", kind, display)
	}
	var want []types.T
	var parts []string
	for _, a := range owa.Objargs {
		t, err := p.TypeFromNode(a.GetTypeName())
		if err != nil {
			return nil, display, err
		}
		want = append(want, t)
		parts = append(parts, types.FormatType(t))
	}
	display += "(" + strings.Join(parts, ", ") + ")"
	for _, f := range cands {
		in := f.InputArgs()
		if len(in) != len(want) {
			continue
		}
		same := true
		for i := range in {
			if in[i].Type.OID != want[i].OID {
				same = false
			}
		}
		if same {
			return f, display, nil
		}
	}
	return nil, display, pgerror.New(pgerror.UndefinedFunction, "%s %s does not exist", kind, display)
}

// dropFunctions runs DROP FUNCTION / PROCEDURE / ROUTINE.
func dropFunctions(ec *Ctx, d *catalog.Writer, ds *pg_query.DropStmt, w Noticer) error {
	kind := map[pg_query.ObjectType]string{pg_query.ObjectType_OBJECT_FUNCTION: "function",
		pg_query.ObjectType_OBJECT_PROCEDURE: "procedure", pg_query.ObjectType_OBJECT_ROUTINE: "routine"}[ds.RemoveType]
	for _, obj := range ds.Objects {
		f, display, err := funcObject(ec, d, obj.GetObjectWithArgs(), kind)
		if err != nil {
			if ds.MissingOk && pgerror.Code(err) == pgerror.UndefinedFunction {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, kind+" "+display+" does not exist, skipping"))
				continue
			}
			return err
		}
		if kind == "function" && f.Kind == "p" {
			return pgerror.New(pgerror.WrongObjectType, "%s is not a function", display)
		}
		if kind == "procedure" && f.Kind != "p" {
			return pgerror.New(pgerror.WrongObjectType, "%s is not a procedure", display)
		}
		if err := ec.Session.CheckOwner(d.Cat, f.Owner, kind, f.Name); err != nil {
			return err
		}
		if err := dropFunctionTriggers(d, f, ds.Behavior == pg_query.DropBehavior_DROP_CASCADE, w); err != nil { // trigger.go
			return err
		}
		d.DeleteFunction(f)
	}
	return nil
}

// RenameFunction runs ALTER FUNCTION … RENAME TO.
func RenameFunction(ec *Ctx, d *catalog.Writer, rs *pg_query.RenameStmt) error {
	kind := strings.ToLower(strings.TrimPrefix(rs.RenameType.String(), "OBJECT_"))
	f, _, err := funcObject(ec, d, rs.Object.GetObjectWithArgs(), kind)
	if err != nil {
		return err
	}
	if err := ec.Session.CheckOwner(d.Cat, f.Owner, kind, f.Name); err != nil {
		return err
	}
	g := *f
	g.Name = rs.Newname
	for _, o := range d.Cat.Functions(catalog.Key(f.Schema, g.Name)) {
		if o.SameSignature(&g) {
			return pgerror.New(pgerror.DuplicateFunction, "function %s already exists in schema \"%s\"", g.Signature(), catalog.SchemaName(f.Schema))
		}
	}
	return d.PutFunction(&g)
}

// AlterFunctionOwner runs ALTER FUNCTION … OWNER TO.
func AlterFunctionOwner(ec *Ctx, d *catalog.Writer, as *pg_query.AlterOwnerStmt) error {
	kind := strings.ToLower(strings.TrimPrefix(as.ObjectType.String(), "OBJECT_"))
	f, _, err := funcObject(ec, d, as.Object.GetObjectWithArgs(), kind)
	if err != nil {
		return err
	}
	owner, err := ec.Session.NewOwner(d.Cat, as.Newowner, f.Owner, kind, f.Name)
	if err != nil {
		return err
	}
	g := *f
	g.Owner = owner
	return d.PutFunction(&g)
}

// grantOnFunctions is GRANT/REVOKE EXECUTE ON FUNCTION f(…), … | ALL
// FUNCTIONS IN SCHEMA s: it records the privilege (proacl).
func grantOnFunctions(ec *Ctx, d *catalog.Writer, gs *pg_query.GrantStmt, kind, privs string, grantees []uint32) error {
	var fs []*catalog.Function
	if gs.Targtype == pg_query.GrantTargetType_ACL_TARGET_ALL_IN_SCHEMA {
		for _, o := range gs.Objects {
			s := strings.Join(plan.NodeStrings([]*pg_query.Node{o}), ".")
			if !d.Cat.SchemaExists(s) {
				return pgerror.New("3F000", "schema \"%s\" does not exist", s)
			}
			for _, f := range d.Cat.SortedFunctions() {
				if catalog.SchemaName(f.Schema) == s && (kind == "routine" || (kind == "procedure") == (f.Kind == "p")) {
					fs = append(fs, f)
				}
			}
		}
	} else {
		for _, o := range gs.Objects {
			f, _, err := funcObject(ec, d, o.GetObjectWithArgs(), kind)
			if err != nil {
				return err
			}
			fs = append(fs, f)
		}
	}
	for _, f := range fs {
		if err := ec.Session.CheckOwner(d.Cat, f.Owner, kind, f.Name); err != nil {
			return err
		}
		g := *f
		g.ACL = editACL(f.EffectiveACL(), f.Owner, catalog.FunctionPrivs, gs.IsGrant, privs, grantees, catalog.OwnerOID(f.Owner))
		if err := d.PutFunction(&g); err != nil {
			return err
		}
	}
	return nil
}

// AlterFunction runs ALTER FUNCTION … action … (volatility, STRICT,
// SECURITY, SET, COST, ROWS, PARALLEL, LEAKPROOF).
func AlterFunction(ec *Ctx, d *catalog.Writer, as *pg_query.AlterFunctionStmt) error {
	kind := strings.ToLower(strings.TrimPrefix(as.Objtype.String(), "OBJECT_"))
	f, _, err := funcObject(ec, d, as.Func, kind)
	if err != nil {
		return err
	}
	if err := ec.Session.CheckOwner(d.Cat, f.Owner, kind, f.Name); err != nil {
		return err
	}
	g := *f
	g.Config = slices.Clone(f.Config)
	for _, a := range as.Actions {
		de := a.GetDefElem()
		if de.Defname == "set" {
			vs := de.Arg.GetVariableSetStmt()
			if vs != nil && (vs.Kind == pg_query.VariableSetKind_VAR_RESET || vs.Kind == pg_query.VariableSetKind_VAR_RESET_ALL) {
				g.Config = slices.DeleteFunc(g.Config, func(c string) bool {
					return vs.Kind == pg_query.VariableSetKind_VAR_RESET_ALL || strings.HasPrefix(c, vs.Name+"=")
				})
				continue
			}
			if vs != nil {
				g.Config = slices.DeleteFunc(g.Config, func(c string) bool { return strings.HasPrefix(c, vs.Name+"=") })
			}
		}
		if err := functionOptions(&g, []*pg_query.Node{a}); err != nil {
			return err
		}
	}
	return d.PutFunction(&g)
}

// functionIdentity is f's input types as messages print them.
func functionIdentity(f *catalog.Function) string {
	var parts []string
	for _, a := range f.InputArgs() {
		parts = append(parts, types.FormatType(a.Type))
	}
	return strings.Join(parts, ", ")
}

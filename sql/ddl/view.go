package ddl

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// deparseStmt prints a statement node as SQL.
func deparseStmt(n *pg_query.Node) (string, error) {
	s, err := pg_query.Deparse(&pg_query.ParseResult{Version: exec.ParseTreeVersion(), Stmts: []*pg_query.RawStmt{{Stmt: n}}})
	if err != nil {
		return "", pgerror.Wrap(err, pgerror.Internal, "deparse")
	}
	return s, nil
}

func CreateView(ec *Ctx, d *catalog.Writer, vs *pg_query.ViewStmt, w Noticer) error {
	rv := vs.View
	schema, err := creationSchema(ec, d, rv) // schema.go
	if err != nil {
		return err
	}
	p := ec.Session.Planner(d.Cat)
	qp, err := p.PlanQuery(vs.Query, nil)
	if err != nil {
		return err
	}
	if p.MaxParam > 0 {
		return pgerror.New(pgerror.UndefinedParameter, "there is no parameter $1")
	}
	cols := plan.VisibleCols(qp)
	aliases := plan.NodeStrings(vs.Aliases)
	if len(aliases) > len(cols) {
		return pgerror.New(pgerror.SyntaxError, "CREATE VIEW specifies more column names than columns")
	}
	text, err := deparseStmt(vs.Query)
	if err != nil {
		return err
	}
	v := &catalog.View{Name: rv.Relname, Schema: storedSchema(schema), Query: text, Owner: d.Owner, Path: p.Path, Reads: p.Deps}
	for i, c := range cols {
		name := c.Name
		if i < len(aliases) {
			name = aliases[i]
		}
		t := c.T
		if t.OID == types.UnknownOID || t.OID == 0 {
			t = exec.TextT
		}
		v.Columns, v.Types = append(v.Columns, name), append(v.Types, t)
	}
	if old, ok := d.Cat.Views[catalog.Key(schema, rv.Relname)]; ok {
		if !vs.Replace {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rv.Relname)
		}
		v.OID = old.OID
	} else {
		if d.Cat.RelationExists(catalog.Key(schema, rv.Relname)) {
			return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rv.Relname)
		}
		if v.OID, err = d.NewOID(); err != nil {
			return err
		}
	}
	return d.PutView(v)
}

// CreateTableAs runs CREATE TABLE ... AS / SELECT INTO; it returns the
// number of rows written.
func CreateTableAs(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateTableAsStmt, w Noticer) (int64, error) {
	if cs.Objtype == pg_query.ObjectType_OBJECT_MATVIEW {
		return 0, pgerror.Unsupported("CREATE MATERIALIZED VIEW")
	}
	rv := cs.Into.Rel
	oc, err := onCommit(isTempCreate(ec, d, rv), cs.Into.OnCommit) // temp.go
	if err != nil {
		return 0, err
	}
	schema, err := creationSchema(ec, d, rv) // schema.go
	if err != nil {
		return 0, err
	}
	if d.Cat.RelationExists(catalog.Key(schema, rv.Relname)) {
		if cs.IfNotExists {
			_ = w.Notice(Notice(pgerror.DuplicateTable, "relation \""+rv.Relname+"\" already exists, skipping"))
			return 0, nil
		}
		return 0, pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", rv.Relname)
	}
	p := ec.Session.Planner(d.Cat)
	qp, err := p.PlanQuery(cs.Query, nil)
	if err != nil {
		return 0, err
	}
	if err := ec.Session.RecordDeps(p.Deps); err != nil {
		return 0, err
	}
	cols := plan.VisibleCols(qp)
	names := plan.NodeStrings(cs.Into.ColNames)
	if len(names) > len(cols) {
		return 0, pgerror.New(pgerror.SyntaxError, "too many column names were specified")
	}
	oid, err := d.NewOID()
	if err != nil {
		return 0, err
	}
	space, err := d.NewSpace()
	if err != nil {
		return 0, err
	}
	t := &catalog.Table{OID: oid, Name: rv.Relname, Schema: storedSchema(schema), Space: space, Owner: d.Owner, OnCommit: oc}
	for i, c := range cols {
		name := c.Name
		if i < len(names) {
			name = names[i]
		}
		typ := c.T
		if typ.OID == types.UnknownOID || typ.OID == 0 {
			typ = exec.TextT
		}
		t.NextCol++
		t.Columns = append(t.Columns, &catalog.Column{ID: t.NextCol, Name: name, Type: typ})
	}
	t.Init()
	if err := d.PutTable(t); err != nil {
		return 0, err
	}
	if cs.Into.SkipData {
		return 0, nil
	}
	rows, err := exec.RunNode(ec.Ctx, qp)
	if err != nil {
		return 0, err
	}
	tw := &exec.TableWriter{T: t, RowCols: t.RowColumns(), Defaults: make([]exec.Expr, len(t.Columns))}
	for _, r := range rows {
		if _, _, err := tw.Insert(ec.Ctx, r[:len(t.Columns)], nil); err != nil {
			return 0, err
		}
	}
	return int64(len(rows)), nil
}

// ViewSchemas lists the views for pgcatalog.
func ViewSchemas(cat *catalog.Catalog) []pgcatalog.UserView {
	var out []pgcatalog.UserView
	for _, v := range cat.Views {
		uv := pgcatalog.UserView{OID: v.OID, Name: v.Name, Schema: catalog.SchemaName(v.Schema), Owner: v.Owner, ACL: catalog.ACLTexts(cat, v.ACL), Definition: " " + strings.TrimSuffix(v.Query, ";") + ";", Reads: v.Reads}
		for i, c := range v.Columns {
			uv.Columns = append(uv.Columns, pgcatalog.Column{Name: c, AttNum: int16(i + 1), Type: v.Types[i]})
		}
		out = append(out, uv)
	}
	return out
}

var _ = strconv.Itoa

package plpgsql

import (
	"encoding/json"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
)

// The types below mirror pg_query's JSON dump of PL/pgSQL's compiled
// function (pg_query_json_plpgsql.c): every node is a one-key object
// naming its kind.

// unwrap decodes the value of the one-key object b into v and returns
// the key.
func unwrap(b []byte, v any) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return "", err
	}
	for k, raw := range m {
		return k, json.Unmarshal(raw, v)
	}
	return "", nil
}

type wrapped[T any] struct{ V T }

func (w *wrapped[T]) UnmarshalJSON(b []byte) error {
	_, err := unwrap(b, &w.V)
	return err
}

// Expr is an expression or a statement's SQL text.
type Expr struct {
	Query string `json:"query"`
	Mode  int    `json:"parseMode"` // 0 statement, 2 expression, 3-5 assignment
}

func (e *Expr) UnmarshalJSON(b []byte) error {
	type plain Expr
	_, err := unwrap(b, (*plain)(e))
	return err
}

// Datum is a variable (PLpgSQL_var), record (PLpgSQL_rec), row of
// variables (PLpgSQL_row) or record field (PLpgSQL_recfield).
type Datum struct {
	Kind     string // "var", "rec", "row", "recfield"
	Refname  string `json:"refname"`
	Lineno   int    `json:"lineno"`
	Datatype *struct {
		T struct {
			Typname string `json:"typname"`
		} `json:"PLpgSQL_type"`
	} `json:"datatype"`
	IsConst bool  `json:"isconst"`
	NotNull bool  `json:"notnull"`
	Default *Expr `json:"default_val"`
	Cursor  *Expr `json:"cursor_explicit_expr"`
	// a bound cursor's arguments: a row of variables
	CursorArgrow  int `json:"cursor_explicit_argrow"`
	CursorOptions int `json:"cursor_options"`
	Dno           int `json:"dno"`
	Fields        []*struct {
		Name  string `json:"name"`
		Varno int    `json:"varno"`
	} `json:"fields"`
	Fieldname   string `json:"fieldname"`
	Recparentno int    `json:"recparentno"`
}

func (d *Datum) UnmarshalJSON(b []byte) error {
	type plain Datum
	k, err := unwrap(b, (*plain)(d))
	d.Kind = map[string]string{"PLpgSQL_var": "var", "PLpgSQL_rec": "rec", "PLpgSQL_row": "row", "PLpgSQL_recfield": "recfield"}[k]
	return err
}

func (d *Datum) typname() string {
	if d.Datatype == nil {
		return ""
	}
	return d.Datatype.T.Typname
}

// Stmt is one PL/pgSQL statement; Kind is pg_query's node name without
// its "PLpgSQL_stmt_" prefix. Only the fields of its kind are set.
type Stmt struct {
	Kind       string
	Lineno     int                 `json:"lineno"`
	Label      string              `json:"label"`
	Body       []*Stmt             `json:"body"`
	Exceptions *wrapped[excBlock]  `json:"exceptions"`
	Varno      int                 `json:"varno"`
	Expr       *Expr               `json:"expr"`
	Cond       *Expr               `json:"cond"`
	ThenBody   []*Stmt             `json:"then_body"`
	ElsifList  []wrapped[elsif]    `json:"elsif_list"`
	ElseBody   []*Stmt             `json:"else_body"`
	TExpr      *Expr               `json:"t_expr"`
	TVarno     int                 `json:"t_varno"`
	CaseWhens  []wrapped[caseWhen] `json:"case_when_list"`
	HaveElse   bool                `json:"have_else"`
	ElseStmts  []*Stmt             `json:"else_stmts"`
	Var        *Datum              `json:"var"`
	Lower      *Expr               `json:"lower"`
	Upper      *Expr               `json:"upper"`
	Step       *Expr               `json:"step"`
	Reverse    bool                `json:"reverse"`
	Query      *Expr               `json:"query"`
	DynQuery   *Expr               `json:"dynquery"`
	Slice      int                 `json:"slice"`
	SQLStmt    *Expr               `json:"sqlstmt"`
	Into       bool                `json:"into"`
	Strict     bool                `json:"strict"`
	Target     *Datum              `json:"target"`
	Params     []*Expr             `json:"params"`
	IsExit     bool                `json:"is_exit"`
	ElogLevel  int                 `json:"elog_level"`
	Condname   string              `json:"condname"`
	Message    json.RawMessage     `json:"message"` // RAISE: a string; ASSERT: an expression
	Options    []wrapped[raiseOpt] `json:"options"`
	IsStacked  bool                `json:"is_stacked"`
	DiagItems  []wrapped[diagItem] `json:"diag_items"`
	IsCall     bool                `json:"is_call"`
	Curvar     int                 `json:"curvar"`
	ArgQuery   *Expr               `json:"argquery"`
	CurOptions int                 `json:"cursor_options"`
	Direction  int                 `json:"direction"`
	HowMany    int64               `json:"how_many"`
	IsMove     bool                `json:"is_move"`
	Chain      bool                `json:"chain"`
	assertMsg  *Expr
	raiseMsg   string
	hasMessage bool
}

func (s *Stmt) UnmarshalJSON(b []byte) error {
	type plain Stmt
	k, err := unwrap(b, (*plain)(s))
	if err != nil {
		return err
	}
	s.Kind = k[len("PLpgSQL_stmt_"):]
	if len(s.Message) > 0 {
		s.hasMessage = true
		if s.Kind == "assert" {
			s.assertMsg = new(Expr)
			err = json.Unmarshal(s.Message, s.assertMsg)
		} else {
			err = json.Unmarshal(s.Message, &s.raiseMsg)
		}
	}
	return err
}

type excBlock struct {
	List []wrapped[exception] `json:"exc_list"`
}

type exception struct {
	Conditions []wrapped[struct {
		Name string `json:"condname"`
	}] `json:"conditions"`
	Action []*Stmt `json:"action"`
}

type elsif struct {
	Cond  *Expr   `json:"cond"`
	Stmts []*Stmt `json:"stmts"`
}

type caseWhen struct {
	Expr  *Expr   `json:"expr"`
	Stmts []*Stmt `json:"stmts"`
}

type raiseOpt struct {
	Type int   `json:"opt_type"`
	Expr *Expr `json:"expr"`
}

type diagItem struct {
	Kind   string `json:"kind"`
	Target int    `json:"target"`
}

type function struct {
	Datums []*Datum `json:"datums"`
	Action *Stmt    `json:"action"`
}

// compileErrorCodes gives PL/pgSQL's compile errors other than syntax
// errors their SQLSTATE (pg_query reports only the message).
var compileErrorCodes = map[string]string{
	"is declared CONSTANT":             "22005",
	"unrecognized exception condition": "42704",
	"must have a default value, since": "22004",
	"does not exist":                   "42704",
}

// parse compiles a CREATE FUNCTION statement's text with PL/pgSQL's own
// grammar (through pg_query) into its tree.
func parse(createSQL string) (*function, error) {
	js, err := pg_query.ParsePlPgSqlToJSON(createSQL)
	if err != nil {
		e := pgerror.New(pgerror.SyntaxError, "%s", err.Error())
		for frag, code := range compileErrorCodes {
			if strings.Contains(e.Message, frag) {
				e.Code = code
			}
		}
		return nil, e
	}
	var fns []wrapped[function]
	if err := json.Unmarshal([]byte(js), &fns); err != nil {
		return nil, pgerror.Wrap(err, pgerror.Internal, "plpgsql: reading the parse tree")
	}
	if len(fns) != 1 || fns[0].V.Action == nil {
		return nil, pgerror.New(pgerror.Internal, "plpgsql: no function in the parse tree")
	}
	return &fns[0].V, nil
}

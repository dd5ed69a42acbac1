package plpgsql

import (
	"regexp"
	"strings"

	"logdb/sql/pgerror"
)

// Routine is a compiled PL/pgSQL function or DO block: its parse tree and
// what the interpreter derives from it once. A Routine is immutable and
// may be shared by sessions (each call has its own frame).
type Routine struct {
	fn    *function
	lines []string // the body's lines, 1-based by PL/pgSQL's lineno
	// decls lists, per block, the variables it declares, in order: they
	// are (re)initialized each time the block is entered.
	decls map[*Stmt][]int
	// loopVar is the integer variable of each FOR i IN a..b loop.
	loopVar map[*Stmt]int
	// retVar: RETURN x / RETURN NEXT x of a bare variable, whose name the
	// parse tree leaves out (pg_query drops retvarno), read from the line.
	retVar map[*Stmt]string
	nargs  int
}

// Compile parses a function. createSQL is a CREATE FUNCTION statement
// whose body is body (PL/pgSQL's parser needs the argument names and
// modes); nargs is the number of declared arguments of any mode.
func Compile(createSQL, body string, nargs int) (*Routine, error) {
	fn, err := parseRowVars(createSQL, body) // assign.go
	if err != nil {
		return nil, err
	}
	r := &Routine{fn: fn, lines: strings.Split(body, "\n"), decls: map[*Stmt][]int{},
		loopVar: map[*Stmt]int{}, retVar: map[*Stmt]string{}, nargs: nargs}
	var blocks []*Stmt
	special := map[int]bool{}
	var walk func(list []*Stmt) error
	walk = func(list []*Stmt) error {
		for _, s := range list {
			if s == nil {
				continue
			}
			switch s.Kind {
			case "block":
				blocks = append(blocks, s)
			case "fori":
				dno := r.findDatum(s.Var)
				if dno < 0 {
					return pgerror.New(pgerror.Internal, "plpgsql: loop variable not found")
				}
				r.loopVar[s] = dno
				special[dno] = true
			case "return", "return_next":
				if s.Expr == nil {
					r.retVar[s] = r.bareReturn(s)
				}
			}
			if s.Exceptions != nil {
				for _, ex := range s.Exceptions.V.List {
					for _, c := range ex.V.Conditions {
						if _, err := conditionCode(c.V.Name); err != nil {
							return err
						}
					}
					if err := walk(ex.V.Action); err != nil {
						return err
					}
				}
			}
			for _, l := range [][]*Stmt{s.Body, s.ThenBody, s.ElseBody, s.ElseStmts} {
				if err := walk(l); err != nil {
					return err
				}
			}
			for _, e := range s.ElsifList {
				if err := walk(e.V.Stmts); err != nil {
					return err
				}
			}
			for _, w := range s.CaseWhens {
				if err := walk(w.V.Stmts); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk([]*Stmt{fn.Action}); err != nil {
		return nil, err
	}
	// A variable belongs to the first block (in source order) whose BEGIN
	// is on or after its declaration's line: a DECLARE section directly
	// precedes its BEGIN and can hold no other block.
	for dno, d := range fn.Datums {
		if dno < nargs || special[dno] || d.Lineno == 0 || (d.Kind != "var" && d.Kind != "rec") {
			continue
		}
		switch name := d.Refname; {
		case name == "found", name == "sqlstate", name == "sqlerrm", strings.HasPrefix(name, "__Case__Variable_"):
			continue
		}
		var owner *Stmt
		for _, b := range blocks {
			if b.Lineno >= d.Lineno && (owner == nil || b.Lineno < owner.Lineno) {
				owner = b
			}
		}
		if owner == nil {
			owner = fn.Action
		}
		r.decls[owner] = append(r.decls[owner], dno)
	}
	return r, nil
}

// findDatum is the number of the datum a statement's copy describes.
func (r *Routine) findDatum(d *Datum) int {
	if d == nil {
		return -1
	}
	if d.Kind == "rec" {
		return d.Dno
	}
	for i, x := range r.fn.Datums {
		if x.Kind == d.Kind && x.Refname == d.Refname && x.Lineno == d.Lineno {
			return i
		}
	}
	return -1
}

var bareReturnRE = regexp.MustCompile(`(?i)\breturn\s+(next\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\s*;`)

// bareReturn finds the variable of RETURN x; / RETURN NEXT x; on the
// statement's line ("" when there is none: RETURN; alone).
func (r *Routine) bareReturn(s *Stmt) string {
	if s.Lineno <= 0 || s.Lineno > len(r.lines) {
		return ""
	}
	for _, m := range bareReturnRE.FindAllStringSubmatch(r.lines[s.Lineno-1], -1) {
		if (m[1] != "") != (s.Kind == "return_next") {
			continue
		}
		name := m[2]
		if strings.HasPrefix(name, `"`) {
			return strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
		}
		return strings.ToLower(name)
	}
	return ""
}

// conditionCode is the SQLSTATE an exception condition names: a
// condition name, or a SQLSTATE given as SQLSTATE '…'; "others" is "".
func conditionCode(name string) (string, error) {
	if name == "others" {
		return "", nil
	}
	if c, ok := conditionCodes[name]; ok {
		return c, nil
	}
	if len(name) == 5 && strings.ToUpper(name) == name {
		return name, nil
	}
	return "", pgerror.New(pgerror.UndefinedObject, "unrecognized exception condition \"%s\"", name)
}

// matches reports whether an error with SQLSTATE code is caught by a
// handler for condition name (a class's code catches the whole class;
// OTHERS catches everything but cancels and assertion failures).
func matches(name, code string) bool {
	if name == "others" {
		return code != pgerror.QueryCanceled && code != pgerror.AssertFailure
	}
	want, _ := conditionCode(name)
	if want == code {
		return true
	}
	return strings.HasSuffix(want, "000") && len(code) == 5 && want[:2] == code[:2]
}

// typeOf is the declared type of a variable.
func (r *Routine) datum(dno int) *Datum { return r.fn.Datums[dno] }

package replication

import (
	"strconv"
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// The replication commands, as PostgreSQL 15's repl_gram.y reads them.

// IdentifySystem is IDENTIFY_SYSTEM.
type IdentifySystem struct{}

// CreateSlot is CREATE_REPLICATION_SLOT name [TEMPORARY] {PHYSICAL | LOGICAL
// plugin} [options]. Snapshot is "export" (the default), "use" or
// "nothing".
type CreateSlot struct {
	Name      string
	Temporary bool
	Physical  bool
	Plugin    string
	Snapshot  string
}

// DropSlot is DROP_REPLICATION_SLOT name [WAIT].
type DropSlot struct {
	Name string
	Wait bool
}

// ReadSlot is READ_REPLICATION_SLOT name.
type ReadSlot struct{ Name string }

// StartReplication is START_REPLICATION [SLOT name] [PHYSICAL | LOGICAL]
// X/Y [TIMELINE n] [(option 'value', …)].
type StartReplication struct {
	Slot     string
	Physical bool
	LSN      uint64
	Options  [][2]string // logical: plugin options in order
}

// TimelineHistory is TIMELINE_HISTORY n.
type TimelineHistory struct{ Timeline int64 }

// BaseBackup is BASE_BACKUP [...]: physical replication, never served.
type BaseBackup struct{}

// commandKeywords are the words that make a statement on a replication
// connection a replication command (walsender.c's
// replication_scanner_is_replication_command); anything else is SQL.
var commandKeywords = map[string]bool{
	"identify_system": true, "base_backup": true, "create_replication_slot": true,
	"drop_replication_slot": true, "read_replication_slot": true,
	"timeline_history": true, "start_replication": true,
}

// IsCommand reports whether query is a replication command rather than
// SQL. SHOW is left to SQL, which answers it the same way.
func IsCommand(query string) bool {
	lx := lexer{s: query}
	t := lx.next()
	return t.kind == tokIdent && !t.quoted && commandKeywords[t.text]
}

// Parse reads one replication command. Syntax errors are 42601, as in
// PostgreSQL.
func Parse(query string) (any, error) {
	p := &parser{lx: lexer{s: query}}
	p.advance()
	cmd, err := p.command()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tokPunct && p.tok.text == ";" {
		p.advance()
	}
	if p.tok.kind != tokEOF {
		return nil, p.syntaxError()
	}
	return cmd, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokLSN
	tokPunct
	tokBad
)

type token struct {
	kind   tokKind
	text   string // identifiers lowercased unless quoted
	quoted bool
}

type lexer struct {
	s string
	i int
}

func (lx *lexer) next() token {
	s := lx.s
	for lx.i < len(s) && (s[lx.i] == ' ' || s[lx.i] == '\t' || s[lx.i] == '\n' || s[lx.i] == '\r' || s[lx.i] == '\f') {
		lx.i++
	}
	if lx.i >= len(s) {
		return token{kind: tokEOF}
	}
	c := s[lx.i]
	switch {
	case c == '"' || c == '\'':
		quote := c
		var b strings.Builder
		lx.i++
		for {
			if lx.i >= len(s) {
				return token{kind: tokBad, text: "unterminated quoted string"}
			}
			if s[lx.i] == quote {
				if lx.i+1 < len(s) && s[lx.i+1] == quote {
					b.WriteByte(quote)
					lx.i += 2
					continue
				}
				lx.i++
				break
			}
			b.WriteByte(s[lx.i])
			lx.i++
		}
		if quote == '"' {
			if b.Len() == 0 {
				return token{kind: tokBad, text: "zero-length delimited identifier"}
			}
			return token{kind: tokIdent, text: b.String(), quoted: true}
		}
		return token{kind: tokString, text: b.String()}
	case c == ',' || c == '(' || c == ')' || c == ';':
		lx.i++
		return token{kind: tokPunct, text: string(c)}
	case isHex(c):
		j := lx.i
		for j < len(s) && isHex(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '/' {
			k := j + 1
			for k < len(s) && isHex(s[k]) {
				k++
			}
			if k > j+1 {
				t := token{kind: tokLSN, text: s[lx.i:k]}
				lx.i = k
				return t
			}
		}
		allDigits := true
		for k := lx.i; k < j; k++ {
			if s[k] < '0' || s[k] > '9' {
				allDigits = false
			}
		}
		if allDigits && (j >= len(s) || !isIdentChar(s[j])) {
			t := token{kind: tokNumber, text: s[lx.i:j]}
			lx.i = j
			return t
		}
	}
	if isIdentStart(c) {
		j := lx.i
		for j < len(s) && isIdentChar(s[j]) {
			j++
		}
		t := token{kind: tokIdent, text: strings.ToLower(s[lx.i:j])}
		lx.i = j
		return t
	}
	lx.i++
	return token{kind: tokBad, text: string(c)}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

type parser struct {
	lx  lexer
	tok token
}

func (p *parser) advance() { p.tok = p.lx.next() }

func (p *parser) syntaxError() error {
	if p.tok.kind == tokBad {
		return pgerror.New(pgerror.SyntaxError, "syntax error: %s", p.tok.text)
	}
	return pgerror.New(pgerror.SyntaxError, "syntax error")
}

// keyword consumes an unquoted word.
func (p *parser) keyword(w string) bool {
	if p.tok.kind == tokIdent && !p.tok.quoted && p.tok.text == w {
		p.advance()
		return true
	}
	return false
}

func (p *parser) punct(c string) bool {
	if p.tok.kind == tokPunct && p.tok.text == c {
		p.advance()
		return true
	}
	return false
}

// ident consumes a name (a slot, a plugin, a setting).
func (p *parser) ident() (string, error) {
	if p.tok.kind != tokIdent {
		return "", p.syntaxError()
	}
	s := p.tok.text
	p.advance()
	return s, nil
}

func (p *parser) command() (any, error) {
	switch {
	case p.keyword("identify_system"):
		return IdentifySystem{}, nil
	case p.keyword("base_backup"):
		return BaseBackup{}, nil
	case p.keyword("timeline_history"):
		if p.tok.kind != tokNumber {
			return nil, p.syntaxError()
		}
		n, _ := strconv.ParseInt(p.tok.text, 10, 64)
		p.advance()
		return TimelineHistory{Timeline: n}, nil
	case p.keyword("read_replication_slot"):
		name, err := p.ident()
		return ReadSlot{Name: name}, err
	case p.keyword("drop_replication_slot"):
		name, err := p.ident()
		if err != nil {
			return nil, err
		}
		return DropSlot{Name: name, Wait: p.keyword("wait")}, nil
	case p.keyword("create_replication_slot"):
		return p.createSlot()
	case p.keyword("start_replication"):
		return p.startReplication()
	}
	return nil, p.syntaxError()
}

func (p *parser) createSlot() (any, error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	c := CreateSlot{Name: name, Snapshot: "export"}
	c.Temporary = p.keyword("temporary")
	switch {
	case p.keyword("physical"):
		c.Physical = true
	case p.keyword("logical"):
		if c.Plugin, err = p.ident(); err != nil {
			return nil, err
		}
	default:
		return nil, p.syntaxError()
	}
	if p.punct("(") {
		// the new syntax: (SNAPSHOT 'x', TWO_PHASE [bool], RESERVE_WAL [bool])
		for {
			opt, err := p.ident()
			if err != nil {
				return nil, err
			}
			var val string
			if p.tok.kind == tokString || p.tok.kind == tokIdent || p.tok.kind == tokNumber {
				val = p.tok.text
				p.advance()
			}
			switch opt {
			case "snapshot":
				switch val {
				case "export", "use", "nothing":
					c.Snapshot = val
				default:
					return nil, pgerror.New(pgerror.SyntaxError, "unrecognized value for CREATE_REPLICATION_SLOT option \"snapshot\": \"%s\"", val)
				}
			case "two_phase", "reserve_wal":
				// two_phase: only committed transactions are in the log;
				// reserve_wal: physical only
			default:
				return nil, pgerror.New(pgerror.SyntaxError, "unrecognized option: %s", opt)
			}
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return nil, p.syntaxError()
			}
		}
		return c, nil
	}
	// the old syntax: a list of words
	for p.tok.kind == tokIdent && !p.tok.quoted {
		switch p.tok.text {
		case "export_snapshot":
			c.Snapshot = "export"
		case "noexport_snapshot":
			c.Snapshot = "nothing"
		case "use_snapshot":
			c.Snapshot = "use"
		case "two_phase", "reserve_wal":
		default:
			return nil, p.syntaxError()
		}
		p.advance()
	}
	return c, nil
}

func (p *parser) startReplication() (any, error) {
	var c StartReplication
	if p.keyword("slot") {
		name, err := p.ident()
		if err != nil {
			return nil, err
		}
		c.Slot = name
	}
	logical := false
	switch {
	case p.keyword("physical"):
		c.Physical = true
	case p.keyword("logical"):
		logical = true
	default:
		c.Physical = true
	}
	if p.tok.kind != tokLSN {
		return nil, p.syntaxError()
	}
	lsn, err := types.ParseLSN(p.tok.text)
	if err != nil {
		return nil, p.syntaxError()
	}
	c.LSN = uint64(lsn)
	p.advance()
	if c.Physical {
		if p.keyword("timeline") {
			if p.tok.kind != tokNumber {
				return nil, p.syntaxError()
			}
			p.advance()
		}
		return c, nil
	}
	if logical && c.Slot == "" {
		return nil, p.syntaxError()
	}
	if p.punct("(") {
		for {
			name, err := p.ident()
			if err != nil {
				return nil, err
			}
			var val string
			if p.tok.kind == tokString {
				val = p.tok.text
				p.advance()
			}
			c.Options = append(c.Options, [2]string{name, val})
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return nil, p.syntaxError()
			}
		}
	}
	return c, nil
}

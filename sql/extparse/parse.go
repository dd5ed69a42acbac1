package extparse

import (
	"strconv"
	"strings"
	"time"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Kind is the kind of a statement the front parser produced.
type Kind uint8

const (
	ExtSubscribe     Kind = iota + 1 // SUBSCRIBE …: streamed as COPY text, like COPY (SUBSCRIBE …) TO STDOUT
	ExtCopySubscribe                 // COPY (SUBSCRIBE …) TO STDOUT
	ExtDeclare                       // DECLARE name CURSOR FOR SUBSCRIBE …
	ExtFetch                         // FETCH … name WITH (timeout = …)
	ExtBackup                        // BACKUP TO STDOUT (backup.go)
)

// Stmt is a parsed front-parser statement; immutable once parsed (it
// lives in the shared parse cache).
type Stmt struct {
	Kind    Kind
	Sub     *SubscribeSpec // extSubscribe, extCopySubscribe, extDeclare
	Cursor  string         // extDeclare, extFetch
	Count   int64          // extFetch: rows wanted; -1 ALL
	Timeout time.Duration  // extFetch: -1 when not given
	IsMove  bool
	Backup  BackupRequest // extBackup
}

// SubscribeSpec is SUBSCRIBE's targets and options.
type SubscribeSpec struct {
	Tables      []string // "public.orders", or "orders" until the session qualifies it
	Prefixes    []string
	AllMessages bool
	FromLSN     uint64
	HasFromLSN  bool
	Slot        string
	Snapshot    bool
	Progress    bool
}

// LooksExtension reports whether a statement is one the front parser owns.
func LooksExtension(s string) bool {
	toks, err := lexExt(s)
	if err != nil || len(toks) == 0 {
		return false
	}
	switch {
	case toks[0].is("subscribe"):
		return true
	case toks[0].is("copy"):
		return len(toks) > 2 && toks[1].punct == '(' && toks[2].is("subscribe")
	case toks[0].is("declare"):
		for i := 1; i+1 < len(toks); i++ {
			if toks[i].is("for") && toks[i+1].is("subscribe") {
				return true
			}
		}
	case toks[0].is("backup"):
		return true
	case toks[0].is("fetch"), toks[0].is("move"):
		for _, t := range toks {
			if t.is("with") {
				return true
			}
		}
	}
	return false
}

// extToken is one lexical token: a keyword or identifier (word; quoted
// ones keep their case and never match keywords), a string literal, a
// number, or punctuation.
type extToken struct {
	word   string
	quoted bool
	str    *string
	num    string
	punct  byte
}

func (t extToken) is(kw string) bool { return t.word != "" && !t.quoted && t.word == kw }

func (t extToken) text() string {
	switch {
	case t.str != nil:
		return "'" + *t.str + "'"
	case t.num != "":
		return t.num
	case t.punct != 0:
		return string(t.punct)
	case t.quoted:
		return `"` + t.word + `"`
	}
	return t.word
}

func lexExt(s string) ([]extToken, error) {
	var out []extToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, extSyntax("unterminated /* comment")
			}
			i += end + 4
		case c == '\'' || (c == 'E' || c == 'e') && i+1 < len(s) && s[i+1] == '\'':
			if c != '\'' {
				i++
			}
			v, next, ok := scanQuoted(s, i, '\'')
			if !ok {
				return nil, extSyntax("unterminated quoted string")
			}
			i = next
			out = append(out, extToken{str: &v})
		case c == '"':
			v, next, ok := scanQuoted(s, i, '"')
			if !ok {
				return nil, extSyntax("unterminated quoted identifier")
			}
			i = next
			out = append(out, extToken{word: v, quoted: true})
		case c >= '0' && c <= '9' || c == '-' || c == '+':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, extToken{num: s[i:j]})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == '$' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] >= 0x80) {
				j++
			}
			out = append(out, extToken{word: strings.ToLower(s[i:j])})
			i = j
		case strings.IndexByte("(),=.;", c) >= 0:
			out = append(out, extToken{punct: c})
			i++
		default:
			return nil, extSyntax("syntax error at or near \"%c\"", c)
		}
	}
	return out, nil
}

func extSyntax(format string, args ...any) error {
	return pgerror.New(pgerror.SyntaxError, format, args...)
}

// SplitStatements splits a query string at top-level semicolons, outside
// quotes, dollar quotes and comments; empty pieces are dropped.
func SplitStatements(q string) []string {
	var out []string
	start := 0
	add := func(end int) {
		if p := strings.TrimSpace(q[start:end]); p != "" {
			out = append(out, p)
		}
	}
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'' || c == '"':
			for i++; i < len(q) && q[i] != c; i++ {
			}
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			if end := strings.Index(q[i+2:], "*/"); end >= 0 {
				i += end + 3
			} else {
				i = len(q)
			}
		case c == '$':
			j := i + 1
			for j < len(q) && (q[j] == '_' || q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z') {
				j++
			}
			if j < len(q) && q[j] == '$' {
				tag := q[i : j+1]
				if end := strings.Index(q[j+1:], tag); end >= 0 {
					i = j + end + len(tag)
				} else {
					i = len(q)
				}
			}
		case c == ';':
			add(i)
			start = i + 1
		}
	}
	if start < len(q) {
		add(len(q))
	}
	return out
}

// extParser walks the tokens of one statement.
type extParser struct {
	toks []extToken
	i    int
}

// uint64 reads an unsigned integer literal.
func (p *extParser) uint64() (uint64, error) {
	t := p.peek()
	n, err := strconv.ParseUint(t.num, 10, 64)
	if t.num == "" || err != nil {
		return 0, pgerror.New(pgerror.SyntaxError, "syntax error at or near \"%s\": an unsigned integer expected", t.text())
	}
	p.i++
	return n, nil
}

func (p *extParser) peek() extToken {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return extToken{}
}

func (p *extParser) done() bool {
	for p.i < len(p.toks) && p.toks[p.i].punct == ';' {
		p.i++
	}
	return p.i >= len(p.toks)
}

func (p *extParser) accept(kw string) bool {
	if p.peek().is(kw) {
		p.i++
		return true
	}
	return false
}

func (p *extParser) acceptPunct(c byte) bool {
	if p.i < len(p.toks) && p.toks[p.i].punct == c {
		p.i++
		return true
	}
	return false
}

func (p *extParser) errNear() error {
	if p.i >= len(p.toks) {
		return extSyntax("syntax error at end of input")
	}
	return extSyntax("syntax error at or near \"%s\"", p.toks[p.i].text())
}

func (p *extParser) expect(kw string) error {
	if !p.accept(kw) {
		return p.errNear()
	}
	return nil
}

func (p *extParser) expectPunct(c byte) error {
	if !p.acceptPunct(c) {
		return p.errNear()
	}
	return nil
}

// ident reads an identifier (any word, quoted or not).
func (p *extParser) ident() (string, error) {
	t := p.peek()
	if t.word == "" {
		return "", p.errNear()
	}
	p.i++
	return t.word, nil
}

// Parse parses one front-parser statement (LooksExtension(s) holds).
func Parse(s string) (*Stmt, error) {
	toks, err := lexExt(s)
	if err != nil {
		return nil, err
	}
	p := &extParser{toks: toks}
	var x *Stmt
	switch {
	case p.accept("subscribe"):
		sub, err := p.subscribeBody()
		if err != nil {
			return nil, err
		}
		x = &Stmt{Kind: ExtSubscribe, Sub: sub}
	case p.accept("copy"):
		if err := p.expectPunct('('); err != nil {
			return nil, err
		}
		if err := p.expect("subscribe"); err != nil {
			return nil, err
		}
		sub, err := p.subscribeBody()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(')'); err != nil {
			return nil, err
		}
		if err := p.expect("to"); err != nil {
			return nil, err
		}
		if !p.accept("stdout") {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "COPY (SUBSCRIBE …) supports only TO STDOUT")
		}
		if err := p.copyOptions(); err != nil {
			return nil, err
		}
		x = &Stmt{Kind: ExtCopySubscribe, Sub: sub}
	case p.accept("backup"):
		x = &Stmt{Kind: ExtBackup}
		if p.accept("log") { // BACKUP LOG FROM n THROUGH m TO STDOUT: raft entries n..m
			x.Backup.Log = true
			if err := p.expect("from"); err != nil {
				return nil, err
			}
			if x.Backup.From, err = p.uint64(); err != nil {
				return nil, err
			}
			if err := p.expect("through"); err != nil {
				return nil, err
			}
			if x.Backup.Through, err = p.uint64(); err != nil {
				return nil, err
			}
			if x.Backup.From == 0 || x.Backup.Through < x.Backup.From {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "BACKUP LOG needs 0 < FROM <= THROUGH")
			}
		}
		if err := p.expect("to"); err != nil {
			return nil, err
		}
		if err := p.expect("stdout"); err != nil {
			return nil, err
		}
	case p.accept("declare"):
		name, err := p.ident()
		if err != nil {
			return nil, err
		}
		if p.accept("no") {
			if err := p.expect("scroll"); err != nil {
				return nil, err
			}
		} else if p.peek().is("scroll") {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "a SUBSCRIBE cursor cannot be SCROLL (it only moves forward)")
		}
		p.accept("binary") // results are typed per column by the protocol anyway
		if err := p.expect("cursor"); err != nil {
			return nil, err
		}
		if p.accept("with") {
			if err := p.expect("hold"); err != nil {
				return nil, err
			}
			return nil, pgerror.New(pgerror.FeatureNotSupported, "a SUBSCRIBE cursor cannot be WITH HOLD: it ends with its transaction")
		}
		if p.accept("without") {
			if err := p.expect("hold"); err != nil {
				return nil, err
			}
		}
		if err := p.expect("for"); err != nil {
			return nil, err
		}
		if err := p.expect("subscribe"); err != nil {
			return nil, err
		}
		sub, err := p.subscribeBody()
		if err != nil {
			return nil, err
		}
		x = &Stmt{Kind: ExtDeclare, Sub: sub, Cursor: name}
	case p.peek().is("fetch") || p.peek().is("move"):
		if x, err = p.fetchBody(); err != nil {
			return nil, err
		}
	default:
		return nil, p.errNear()
	}
	if !p.done() {
		return nil, p.errNear()
	}
	return x, nil
}

// copyOptions accepts COPY's text-format options that change nothing:
// WITH (FORMAT text) or FORMAT text.
func (p *extParser) copyOptions() error {
	if p.done() {
		return nil
	}
	paren := false
	if p.accept("with") {
		paren = p.acceptPunct('(')
	} else {
		paren = p.acceptPunct('(')
	}
	for {
		if !p.accept("format") {
			return pgerror.New(pgerror.FeatureNotSupported, "COPY (SUBSCRIBE …) TO STDOUT accepts only FORMAT text")
		}
		if !p.accept("text") {
			return pgerror.New(pgerror.FeatureNotSupported, "COPY (SUBSCRIBE …) TO STDOUT accepts only FORMAT text")
		}
		if !paren || !p.acceptPunct(',') {
			break
		}
	}
	if paren {
		return p.expectPunct(')')
	}
	return nil
}

// subscribeBody parses [TO] target [, target …] [WITH (option = value, …)].
func (p *extParser) subscribeBody() (*SubscribeSpec, error) {
	sub := &SubscribeSpec{}
	p.accept("to")
	for {
		switch {
		case p.peek().is("messages"):
			p.i++
			if t := p.peek(); t.str != nil {
				p.i++
				sub.Prefixes = append(sub.Prefixes, *t.str)
			} else {
				sub.AllMessages = true
			}
		default:
			name, err := p.ident()
			if err != nil {
				return nil, err
			}
			if p.acceptPunct('.') {
				schema := name
				if name, err = p.ident(); err != nil {
					return nil, err
				}
				name = schema + "." + name
			}
			sub.Tables = append(sub.Tables, name) // unqualified: the session qualifies it (search_path)
		}
		if !p.acceptPunct(',') {
			break
		}
	}
	if p.accept("with") {
		if err := p.expectPunct('('); err != nil {
			return nil, err
		}
		for {
			opt, err := p.ident()
			if err != nil {
				return nil, err
			}
			p.acceptPunct('=')
			val := p.peek()
			if val.str == nil && val.num == "" && val.word == "" {
				return nil, p.errNear()
			}
			p.i++
			if err := sub.setOption(opt, val); err != nil {
				return nil, err
			}
			if !p.acceptPunct(',') {
				break
			}
		}
		if err := p.expectPunct(')'); err != nil {
			return nil, err
		}
	}
	if sub.Snapshot && sub.HasFromLSN {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "SUBSCRIBE options SNAPSHOT and FROM_LSN cannot be used together")
	}
	return sub, nil
}

func (sub *SubscribeSpec) setOption(name string, v extToken) error {
	raw := v.word
	if v.str != nil {
		raw = *v.str
	} else if v.num != "" {
		raw = v.num
	}
	switch strings.ToLower(name) {
	case "from_lsn":
		d, err := types.ParseText(types.T{OID: types.PgLSNOID, Mod: -1}, raw)
		if err != nil {
			return pgerror.New(pgerror.InvalidParameterValue, "invalid FROM_LSN %q: want a position like '0/16B3748'", raw)
		}
		sub.FromLSN, sub.HasFromLSN = uint64(d.(types.LSN)), true
	case "slot":
		sub.Slot = raw
	case "snapshot", "progress":
		b, ok := parseBoolOption(raw)
		if !ok {
			return pgerror.New(pgerror.InvalidParameterValue, "SUBSCRIBE option %s requires a Boolean value, not %q", strings.ToUpper(name), raw)
		}
		if strings.EqualFold(name, "snapshot") {
			sub.Snapshot = b
		} else {
			sub.Progress = b
		}
	default:
		return &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "unrecognized SUBSCRIBE option \"" + name + "\"",
			Hint: "Valid options are FROM_LSN, SLOT, SNAPSHOT and PROGRESS."}
	}
	return nil
}

func parseBoolOption(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "on", "yes", "1", "t":
		return true, true
	case "false", "off", "no", "0", "f":
		return false, true
	}
	return false, false
}

// fetchBody parses FETCH|MOVE [FORWARD] [n | ALL | NEXT] [FROM | IN] name
// [WITH (timeout = '1s')].
func (p *extParser) fetchBody() (*Stmt, error) {
	x := &Stmt{Kind: ExtFetch, Count: 1, Timeout: -1}
	if p.accept("move") {
		x.IsMove = true
	} else if err := p.expect("fetch"); err != nil {
		return nil, err
	}
	p.accept("forward")
	switch t := p.peek(); {
	case t.num != "":
		n, err := strconv.ParseInt(t.num, 10, 64)
		if err != nil || n < 0 {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "a SUBSCRIBE cursor only moves forward: FETCH count must be a non-negative integer")
		}
		x.Count = n
		p.i++
	case t.is("all"):
		x.Count = -1
		p.i++
	case t.is("next"):
		p.i++
	}
	if !p.accept("from") {
		p.accept("in")
	}
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	x.Cursor = name
	if p.accept("with") {
		if err := p.expectPunct('('); err != nil {
			return nil, err
		}
		for {
			opt, err := p.ident()
			if err != nil {
				return nil, err
			}
			p.acceptPunct('=')
			v := p.peek()
			p.i++
			if opt != "timeout" {
				return nil, &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "unrecognized FETCH option \"" + opt + "\"", Hint: "The only option is TIMEOUT."}
			}
			d, err := parseFetchTimeout(v)
			if err != nil {
				return nil, err
			}
			x.Timeout = d
			if !p.acceptPunct(',') {
				break
			}
		}
		if err := p.expectPunct(')'); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// parseFetchTimeout reads '1s', '250ms', '1 second', '0' (an interval, or
// a number of seconds).
func parseFetchTimeout(v extToken) (time.Duration, error) {
	raw := v.num
	if v.str != nil {
		raw = *v.str
	}
	bad := pgerror.New(pgerror.InvalidParameterValue, "invalid FETCH timeout %q: want an interval such as '1s' or '500ms'", raw)
	if raw == "" {
		return 0, bad
	}
	if f, err := strconv.ParseFloat(raw, 64); err == nil {
		if f < 0 {
			return 0, bad
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(raw, " ", "")); err == nil && d >= 0 {
		return d, nil
	}
	iv, err := types.ParseText(types.T{OID: types.IntervalOID, Mod: -1}, raw)
	if err != nil {
		return 0, bad
	}
	i := iv.(types.Interval)
	d := time.Duration(i.Micros)*time.Microsecond + time.Duration(i.Days)*24*time.Hour + time.Duration(i.Months)*30*24*time.Hour
	if d < 0 {
		return 0, bad
	}
	return d, nil
}

// scanQuoted reads the text quoted by q that opens at s[i] (a doubled q
// stands for one) and returns it and the index after the closing quote;
// false if it is not closed.
func scanQuoted(s string, i int, q byte) (string, int, bool) {
	var b strings.Builder
	for i++; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", i, false
}

package main

import (
	"os"
	"regexp"
	"strings"
)

// A step is one thing a psql script does: a statement to send, or a
// backslash command the tool does not run (counted as skipped).
type step struct {
	Line int    // first line of the step in its file, from 1
	SQL  string // the statement, variables interpolated, without its ';'
	// Skipped is the backslash command (\d, \x, \pset, …) when the step is
	// one the tool does not run; SQL is empty then.
	Skipped string
	// CopyData is the inline data (between the statement and a "\." line)
	// of a COPY … FROM STDIN; HasCopyData says whether the script had any.
	CopyData    []byte
	HasCopyData bool
	// Gexec: the statement ended with \gexec, so every value of its result
	// is itself a statement to run.
	Gexec bool
}

// scanner splits a psql script the way psql's lexer (psqlscan.l) does: a
// statement ends at a ';' outside quotes ('…', E'…' with backslash escapes,
// "…"), dollar quotes, comments (-- and nested /* */) and parentheses; a
// backslash outside those starts a psql command that runs to the end of the
// line. \set and \getenv set variables, interpolated as psql does (:name,
// :'name' as a literal, :"name" as an identifier; an unknown name is left
// as written); \g, \gset and \gexec end the statement like ';'.
type scanner struct {
	src  string
	pos  int
	line int
	vars map[string]string
	env  map[string]string // what \getenv reads
}

func newScanner(src string, env map[string]string) *scanner {
	return &scanner{src: src, line: 1, vars: map[string]string{}, env: env}
}

// splitScript returns every step of src.
func splitScript(src string, env map[string]string) []step {
	s := newScanner(src, env)
	var steps []step
	for {
		st, ok := s.next()
		if !ok {
			return steps
		}
		steps = append(steps, st)
	}
}

var (
	copyFromStdin = regexp.MustCompile(`(?is)^\s*copy\b.*\bfrom\s+stdin\b`)
	sqlLineEnd    = regexp.MustCompile(`;\s*$`)
	toStdout      = regexp.MustCompile(`(?i)\bto\s+stdout\b`)
)

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

func isVarChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// advance moves past n bytes, counting lines.
func (s *scanner) advance(n int) {
	s.line += strings.Count(s.src[s.pos:s.pos+n], "\n")
	s.pos += n
}

// next returns the next step, or false at the end of the script.
func (s *scanner) next() (step, bool) {
	var buf strings.Builder
	depth := 0
	start := -1 // line of the first byte of the statement
	emit := func() step {
		st := step{Line: start, SQL: strings.TrimSpace(buf.String())}
		s.readCopyData(&st)
		return st
	}
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		rest := s.src[s.pos:]
		if buf.Len() == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			s.advance(1)
			continue
		}
		switch {
		case strings.HasPrefix(rest, "--"):
			end := strings.IndexByte(rest, '\n')
			if end < 0 {
				end = len(rest)
			}
			s.advance(end)
			continue
		case strings.HasPrefix(rest, "/*"):
			n := nestedCommentLen(rest)
			s.advance(n)
			if buf.Len() > 0 {
				buf.WriteByte(' ')
			}
			continue
		case c == '\\':
			end := strings.IndexByte(rest, '\n')
			if end < 0 {
				end = len(rest)
			}
			cmdLine := rest[:end]
			line := s.line
			s.advance(end)
			name, args := splitCommand(cmdLine[1:])
			switch name {
			case "g", "gset", "gexec", "gx":
				if buf.Len() == 0 {
					return step{Line: line, Skipped: `\` + name}, true
				}
				st := emit()
				st.Gexec = name == "gexec"
				return st, true
			case "set":
				s.set(args)
			case "getenv":
				s.getenv(args)
			case "copy":
				// \copy … to stdout is a COPY TO STDOUT the client prints.
				if m := strings.TrimSpace(args); toStdout.MatchString(m) {
					if buf.Len() == 0 {
						return step{Line: line, SQL: "COPY " + s.interpolate(m)}, true
					}
				}
			}
			if buf.Len() == 0 {
				return step{Line: line, Skipped: `\` + name}, true
			}
			continue
		}
		if start < 0 {
			start = s.line
		}
		switch {
		case c == '\'' || (c == 'e' || c == 'E') && strings.HasPrefix(rest[1:], "'") && (s.pos == 0 || !isIdentChar(s.src[s.pos-1])):
			n := quotedLen(rest)
			buf.WriteString(rest[:n])
			s.advance(n)
		case c == '"':
			end := strings.IndexByte(rest[1:], '"')
			n := len(rest)
			if end >= 0 {
				n = end + 2
			}
			buf.WriteString(rest[:n])
			s.advance(n)
		case c == '$' && (s.pos == 0 || !isIdentChar(s.src[s.pos-1])):
			if tag := dollarTag(rest); tag != "" {
				end := strings.Index(rest[len(tag):], tag)
				n := len(rest)
				if end >= 0 {
					n = len(tag) + end + len(tag)
				}
				buf.WriteString(rest[:n])
				s.advance(n)
			} else {
				buf.WriteByte(c)
				s.advance(1)
			}
		case c == ':' && strings.HasPrefix(rest, "::"):
			buf.WriteString("::")
			s.advance(2)
		case c == ':':
			if text, n, ok := s.variable(rest); ok {
				buf.WriteString(text)
				s.advance(n)
			} else {
				buf.WriteByte(c)
				s.advance(1)
			}
		case c == '(':
			depth++
			buf.WriteByte(c)
			s.advance(1)
		case c == ')':
			if depth > 0 {
				depth--
			}
			buf.WriteByte(c)
			s.advance(1)
		case c == ';' && depth == 0:
			s.advance(1)
			return emit(), true
		default:
			buf.WriteByte(c)
			s.advance(1)
		}
	}
	if strings.TrimSpace(buf.String()) != "" {
		return emit(), true
	}
	return step{}, false
}

// readCopyData takes the inline data of a COPY … FROM STDIN: the lines
// after the statement's line up to a "\." line. psql reads them only when
// the server accepted the COPY; a script does not put data after a COPY it
// expects to fail, so lines that look like SQL (ending in ';', or a
// comment) before the "\." mean this COPY has none.
func (s *scanner) readCopyData(st *step) {
	if !copyFromStdin.MatchString(st.SQL) {
		return
	}
	rest := s.src[s.pos:]
	nl := strings.IndexByte(rest, '\n')
	if nl < 0 {
		return
	}
	body := rest[nl+1:]
	var data strings.Builder
	off := nl + 1
	for body != "" {
		end := strings.IndexByte(body, '\n')
		ln := body
		if end >= 0 {
			ln = body[:end+1]
		}
		trimmed := strings.TrimRight(ln, "\r\n")
		if trimmed == `\.` {
			st.CopyData, st.HasCopyData = []byte(data.String()), true
			s.advance(off + len(ln))
			return
		}
		if sqlLineEnd.MatchString(trimmed) || strings.HasPrefix(strings.TrimSpace(trimmed), "--") {
			return
		}
		data.WriteString(ln)
		off += len(ln)
		body = body[len(ln):]
	}
}

// nestedCommentLen is the length of the /* … */ comment at the start of s,
// nested comments included (all of s if it is not closed).
func nestedCommentLen(s string) int {
	depth := 0
	for i := 0; i+1 < len(s); i++ {
		switch {
		case s[i] == '/' && s[i+1] == '*':
			depth++
			i++
		case s[i] == '*' && s[i+1] == '/':
			depth--
			i++
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// quotedLen is the length of the string literal at the start of s: '…'
// with ” for a quote, or E'…' where a backslash also escapes.
func quotedLen(s string) int {
	i := 1
	escapes := s[0] != '\''
	if escapes {
		i = 2
	}
	for i < len(s) {
		switch {
		case escapes && s[i] == '\\' && i+1 < len(s):
			i += 2
		case s[i] == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i += 2
		case s[i] == '\'':
			return i + 1
		default:
			i++
		}
	}
	return len(s)
}

// dollarTag returns the $tag$ or $$ at the start of s, or "" ($1 is a
// parameter, not a quote).
func dollarTag(s string) string {
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '$' {
			return s[:i+1]
		}
		if !(isIdentStart(c) || i > 1 && c >= '0' && c <= '9') {
			return ""
		}
	}
	return ""
}

// variable interpolates :name, :'name' or :"name" at the start of s.
func (s *scanner) variable(src string) (string, int, bool) {
	if len(src) < 2 {
		return "", 0, false
	}
	if q := src[1]; q == '\'' || q == '"' {
		end := strings.IndexByte(src[2:], q)
		if end < 0 {
			return "", 0, false
		}
		v, ok := s.vars[src[2:2+end]]
		if !ok {
			return "", 0, false
		}
		if q == '\'' {
			return "'" + strings.ReplaceAll(v, "'", "''") + "'", end + 3, true
		}
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`, end + 3, true
	}
	n := 1
	for n < len(src) && isVarChar(src[n]) {
		n++
	}
	v, ok := s.vars[src[1:n]]
	if n == 1 || !ok {
		return "", 0, false
	}
	return v, n, true
}

// interpolate replaces defined variables in a backslash command's text.
func (s *scanner) interpolate(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		if text[i] == ':' {
			if v, n, ok := s.variable(text[i:]); ok {
				b.WriteString(v)
				i += n
				continue
			}
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String()
}

// splitCommand splits "set name value" into the command name and the rest.
func splitCommand(line string) (string, string) {
	n := 0
	for n < len(line) && (isVarChar(line[n]) || line[n] == '?' || line[n] == '+' || line[n] == '.') {
		n++
	}
	if n == 0 && line != "" {
		n = 1 // \. \! \? …
	}
	return line[:n], line[n:]
}

// commandArgs splits a backslash command's arguments as psql does:
// whitespace separates; '…' is a literal (” and \ escapes), :name,
// :'name' and :"name" are variables; parts with no space between join.
func (s *scanner) commandArgs(text string) []string {
	var args []string
	var cur strings.Builder
	inArg := false
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
			i++
			continue
		case c == '\'':
			j := i + 1
			for j < len(text) {
				if text[j] == '\\' && j+1 < len(text) {
					cur.WriteByte(text[j+1])
					j += 2
					continue
				}
				if text[j] == '\'' {
					if j+1 < len(text) && text[j+1] == '\'' {
						cur.WriteByte('\'')
						j += 2
						continue
					}
					j++
					break
				}
				cur.WriteByte(text[j])
				j++
			}
			i = j
		case c == ':':
			if v, n, ok := s.variable(text[i:]); ok {
				cur.WriteString(v)
				i += n
			} else {
				cur.WriteByte(c)
				i++
			}
		default:
			cur.WriteByte(c)
			i++
		}
		inArg = true
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// set runs \set name value…: the values are joined with nothing between.
func (s *scanner) set(text string) {
	args := s.commandArgs(text)
	if len(args) == 0 {
		return
	}
	s.vars[args[0]] = strings.Join(args[1:], "")
}

// getenv runs \getenv var ENVNAME from the tool's environment map, then
// the process environment.
func (s *scanner) getenv(text string) {
	args := s.commandArgs(text)
	if len(args) != 2 {
		return
	}
	if v, ok := s.env[args[1]]; ok {
		s.vars[args[0]] = v
	} else if v, ok := os.LookupEnv(args[1]); ok {
		s.vars[args[0]] = v
	}
}

package parse

import (
	"fmt"
	"strings"

	"logdb/sql/pgerror"
)

// PostgreSQL's parser (pg_query, through cgo) recurses once per level of
// the tree it builds, on the C stack: a statement nested deep enough
// crashes the whole process with SIGSEGV. Nesting the grammar builds by
// right recursion (parentheses, CASE, unary operators) stops at bison's
// own limit of 10,000 with an error; left-deep chains do not: `SELECT
// 1+1+…+1`, `'a'||'a'||…`, `1::int::int…`, `x IS NULL IS NULL…`, JOIN and
// UNION chains. Measured (pg_query_go v6.2.5, 8 MiB thread stack, main or
// any other thread): the process dies at 23,800 links of such a chain
// (47,600 UNIONs); from 5,000 links pg_query's result no longer decodes
// (protobuf's recursion limit) and the statement fails as a syntax error.
// PostgreSQL 15 with its default max_stack_depth (2 MB) fails `SELECT
// 1+1+…` between 1,000 and 5,000 terms with 54001.
//
// So before a statement reaches the parser, exprDepth bounds the depth of
// the tree it could build, from the text alone, and one deeper than
// Config.MaxExpressionDepth (default 2,000, at most 4,000: a sixth of the
// crash, below protobuf's limit) fails with 54001 stack depth limit
// exceeded, as PostgreSQL does. Large flat statements (IN lists, VALUES,
// long strings, many ANDed conditions) are shallow and unaffected.

// DefaultMaxExpressionDepth is the default bound of CheckDepth's callers;
// MaxExpressionDepthLimit the largest bound that is safe for pg_query's
// recursion (measured above).
const (
	DefaultMaxExpressionDepth = 2000
	MaxExpressionDepthLimit   = 4000
)

// ExprDepth returns an upper bound on the nesting depth of the parse tree
// of q, in links of a chain (a chain's node and its operand: two nodes of
// pg_query's tree): every parenthesis, bracket or CASE opens a level
// (weighing levelWeight); at each level,
// operators, casts and the keywords that build a left-deep chain (IS,
// LIKE, BETWEEN, IN, COLLATE, AT, UNION, JOIN, …) count as links, and a
// comma, AND or OR (which separate sibling subtrees: lists and flattened
// boolean expressions) ends the operator chain; BETWEEN's AND does not
// (the chain may go on above the BETWEEN). The
// bound is the largest sum, over the open levels, of each level's links,
// plus the levels themselves. It overestimates (a chain's earlier links
// are not ancestors of a later operand), never under: strings, quoted
// identifiers and comments are skipped as PostgreSQL's lexer does.
func ExprDepth(q string) int {
	type level struct {
		expr, chain int
		boolean     bool
		between     bool // a BETWEEN waits for its AND
	}
	stack := []level{{}}
	total, deepest := 0, 0
	link := func() {
		stack[len(stack)-1].expr++
		total++
		deepest = max(deepest, total)
	}
	push := func() {
		stack = append(stack, level{})
		total += levelWeight
		deepest = max(deepest, total)
	}
	pop := func() {
		if len(stack) > 1 {
			l := stack[len(stack)-1]
			total -= l.expr + l.chain + levelWeight
			stack = stack[:len(stack)-1]
		}
	}
	endChain := func(boolean bool) {
		l := &stack[len(stack)-1]
		total -= l.expr
		l.expr = 0
		if boolean && !l.boolean {
			// The level's flattened AND or OR: one node more.
			l.boolean = true
			l.chain++
			total++
			deepest = max(deepest, total)
		}
	}
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'':
			// E'…' strings take backslash escapes; others do not.
			esc := i > 0 && (q[i-1] == 'e' || q[i-1] == 'E') && (i < 2 || !isIdentChar(q[i-2]))
			i = skipQuoted(q, i+1, '\'', esc)
		case c == '"':
			i = skipQuoted(q, i+1, '"', false)
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			i = skipComment(q, i+2)
		case c == '$' && (i == 0 || !isIdentChar(q[i-1])):
			if end, ok := skipDollarQuoted(q, i); ok {
				i = end
			} else {
				i++ // a parameter ($1)
			}
		case c == '(' || c == '[':
			push()
			i++
		case c == ')' || c == ']':
			pop()
			i++
		case c == ',':
			endChain(false)
			i++
		case c == ';':
			for len(stack) > 1 {
				pop()
			}
			stack[0], total = level{}, 0
			i++
		case c == ':':
			for i < len(q) && q[i] == ':' {
				i++
			}
			link()
		case isOpChar(c):
			// One operator token; PostgreSQL splits off a trailing + or -,
			// so each of those after the first character counts too.
			link()
			for i++; i < len(q) && isOpChar(q[i]); i++ {
				if strings.HasPrefix(q[i:], "--") || strings.HasPrefix(q[i:], "/*") {
					break // a comment starts
				}
				if q[i] == '+' || q[i] == '-' {
					link()
				}
			}
		case isIdentStart(c):
			j := i + 1
			for j < len(q) && isIdentChar(q[j]) {
				j++
			}
			switch strings.ToUpper(q[i:j]) {
			case "CASE":
				push()
			case "END":
				pop()
			case "AND":
				if l := &stack[len(stack)-1]; l.between {
					// BETWEEN's own AND: the chain goes on above the
					// BETWEEN node, which sits on the chain before it.
					l.between = false
					link()
				} else {
					endChain(true)
				}
			case "OR":
				endChain(true)
			case "BETWEEN":
				stack[len(stack)-1].between = true
				link()
			case "UNION", "INTERSECT", "EXCEPT", "JOIN":
				stack[len(stack)-1].chain++
				total++
				deepest = max(deepest, total)
			case "IS", "ISNULL", "NOTNULL", "LIKE", "ILIKE", "SIMILAR", "IN", "COLLATE", "AT",
				"OVERLAPS", "OPERATOR", "NOT", "ESCAPE":
				link()
			}
			i = j
		default:
			i++
		}
	}
	return deepest
}

// levelWeight is what a parenthesis, bracket or CASE adds: the nodes
// between a level's operator and the chain inside it (a function call's
// arguments, an array's elements, a CASE's branch).
const levelWeight = 3

func isOpChar(c byte) bool { return strings.IndexByte("+-*/<>=~!@#%^&|`?", c) >= 0 }

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

// skipQuoted returns the index after the closing quote of a literal that
// starts at i (just after its opening quote); a doubled quote is one
// character, and with esc a backslash escapes the next byte.
func skipQuoted(q string, i int, quote byte, esc bool) int {
	for i < len(q) {
		switch {
		case esc && q[i] == '\\':
			i += 2
		case q[i] == quote && i+1 < len(q) && q[i+1] == quote:
			i += 2
		case q[i] == quote:
			return i + 1
		default:
			i++
		}
	}
	return len(q)
}

// skipComment skips a /* */ comment (they nest) starting after its "/*".
func skipComment(q string, i int) int {
	for depth := 1; i < len(q); {
		switch {
		case strings.HasPrefix(q[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(q[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(q)
}

// skipDollarQuoted skips $tag$…$tag$ starting at i; ok is false when q[i:]
// is not a dollar quote's opening (a parameter such as $1).
func skipDollarQuoted(q string, i int) (int, bool) {
	j := i + 1
	if j < len(q) && q[j] >= '0' && q[j] <= '9' {
		return 0, false
	}
	for j < len(q) && q[j] != '$' && isIdentChar(q[j]) {
		j++
	}
	if j >= len(q) || q[j] != '$' {
		return 0, false
	}
	tag := q[i : j+1]
	end := strings.Index(q[j+1:], tag)
	if end < 0 {
		return len(q), true
	}
	return j + 1 + end + len(tag), true
}

// CheckDepth refuses q with 54001 when its parse could nest deeper than max.
func CheckDepth(q string, max int) error {
	if len(q) < max { // every level takes at least a byte
		return nil
	}
	if d := ExprDepth(q); d > max {
		return &pgerror.Error{Code: pgerror.StatementTooComplex, Message: "stack depth limit exceeded",
			Hint: fmt.Sprintf("The statement nests expressions, joins or set operations up to %d deep; logdb parses at most %d "+
				"(logdb start --max-expression-depth, at most %d; PostgreSQL's max_stack_depth plays this part).", d, max, MaxExpressionDepthLimit)}
	}
	return nil
}

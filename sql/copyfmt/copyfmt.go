package copyfmt

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Options are a COPY statement's format options.
type Options struct {
	Format    string // "text", "csv", "binary"
	Delim     byte
	Null      string
	Header    bool
	quote     byte
	escape    byte // CSV's escape character; the quote unless ESCAPE says
	hasHeader bool
}

// formatCodes are the CopyInResponse/CopyOutResponse format codes: the
// overall one and one for each of n columns (1 binary, 0 text).
func (o Options) FormatCodes(n int) (int16, []int16) {
	f := int16(0)
	if o.Format == "binary" {
		f = 1
	}
	fs := make([]int16, n)
	for i := range fs {
		fs[i] = f
	}
	return f, fs
}

// ParseOptions reads the WITH options of cs (42601/22023/0A000 as PostgreSQL).
func ParseOptions(cs *pg_query.CopyStmt) (Options, error) {
	o := Options{Format: "text", Delim: '\t', Null: `\N`, quote: '"'}
	nullSet, delimSet := false, false
	for _, n := range cs.Options {
		de := n.GetDefElem()
		if de == nil {
			continue
		}
		val := ""
		if de.Arg != nil {
			switch {
			case de.Arg.GetString_() != nil:
				val = de.Arg.GetString_().Sval
			case de.Arg.GetBoolean() != nil:
				val = strconv.FormatBool(de.Arg.GetBoolean().Boolval)
			case de.Arg.GetInteger() != nil:
				val = strconv.Itoa(int(de.Arg.GetInteger().Ival))
			}
		}
		switch de.Defname {
		case "format":
			o.Format = strings.ToLower(val)
		case "delimiter":
			if len(val) != 1 {
				return o, pgerror.New(pgerror.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
			}
			o.Delim, delimSet = val[0], true
		case "null":
			o.Null, nullSet = val, true
		case "header":
			o.Header = val == "" || val == "true" || val == "1" || val == "on"
		case "quote":
			if len(val) != 1 {
				return o, pgerror.New(pgerror.FeatureNotSupported, "COPY quote must be a single one-byte character")
			}
			o.quote = val[0]
		case "escape":
			if len(val) != 1 {
				return o, pgerror.New(pgerror.FeatureNotSupported, "COPY escape must be a single one-byte character")
			}
			o.escape = val[0]
		case "freeze", "encoding", "force_not_null", "force_null", "force_quote":
		default:
			return o, pgerror.New(pgerror.SyntaxError, "option \"%s\" not recognized", de.Defname)
		}
	}
	if o.escape == 0 {
		o.escape = o.quote
	}
	switch o.Format {
	case "text", "binary":
	case "csv":
		if !delimSet {
			o.Delim = ','
		}
		if !nullSet {
			o.Null = ""
		}
	default:
		return o, pgerror.New(pgerror.InvalidParameterValue, "COPY format \"%s\" not recognized", o.Format)
	}
	return o, nil
}

// BinarySignature begins the binary format's header.
var BinarySignature = []byte("PGCOPY\n\xff\r\n\x00")

// DecodeBinary reads binary COPY data b for columns cols of t, calling
// insert with each row (and which of its values were given).
func DecodeBinary(b []byte, t *catalog.Table, cols []int, insert func([]types.Datum, []bool) error) error {
	bad := func() error { return pgerror.New("22P04", "invalid COPY file header") }
	if len(b) < 19 || !bytes.Equal(b[:11], BinarySignature) {
		return bad()
	}
	ext := binary.BigEndian.Uint32(b[15:19])
	b = b[19:]
	if uint32(len(b)) < ext {
		return bad()
	}
	b = b[ext:]
	for len(b) >= 2 {
		nf := int16(binary.BigEndian.Uint16(b))
		b = b[2:]
		if nf == -1 {
			return nil
		}
		if int(nf) != len(cols) {
			return pgerror.New("22P04", "row field count is %d, expected %d", nf, len(cols))
		}
		vals := make([]types.Datum, len(cols))
		for i := range cols {
			if len(b) < 4 {
				return pgerror.New("22P04", "unexpected EOF in COPY data")
			}
			l := int32(binary.BigEndian.Uint32(b))
			b = b[4:]
			if l < 0 {
				continue
			}
			if int(l) > len(b) {
				return pgerror.New("22P04", "unexpected EOF in COPY data")
			}
			v, err := types.DecodeBinary(t.Columns[cols[i]].Type, b[:l])
			if err != nil {
				return err
			}
			vals[i] = v
			b = b[l:]
		}
		if err := insert(vals, nil); err != nil {
			return err
		}
	}
	return nil
}

// SplitLine splits one line of text or CSV COPY data into its fields and
// which of them are NULL; a CSV quoted field left open fails with 22P04.
func SplitLine(line string, o Options) ([]string, []bool, error) {
	var fields []string
	var nulls []bool
	if o.Format == "csv" {
		var cur strings.Builder
		quoted, wasQuoted := false, false
		start := 0 // where the field's raw text begins
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case quoted && c == o.escape && i+1 < len(line) && (line[i+1] == o.escape || line[i+1] == o.quote):
				cur.WriteByte(line[i+1])
				i++
			case quoted && c == o.quote:
				quoted = false
			case !quoted && c == o.quote:
				quoted, wasQuoted = true, true
			case c == o.Delim && !quoted:
				f := cur.String()
				fields, nulls = append(fields, f), append(nulls, !wasQuoted && line[start:i] == o.Null)
				cur.Reset()
				wasQuoted = false
				start = i + 1
			default:
				cur.WriteByte(c)
			}
		}
		if quoted {
			return nil, nil, pgerror.New(badCopyFileFormat, "unterminated CSV quoted field")
		}
		f := cur.String()
		return append(fields, f), append(nulls, !wasQuoted && line[start:] == o.Null), nil
	}
	// Text: a backslash escapes the byte after it, the delimiter too.
	start := 0
	for i := 0; i <= len(line); i++ {
		if i < len(line) && line[i] == '\\' {
			if i+1 < len(line) {
				i++
			}
			continue
		}
		if i < len(line) && line[i] != o.Delim {
			continue
		}
		raw := line[start:min(i, len(line))]
		start = i + 1
		if raw == o.Null {
			fields, nulls = append(fields, ""), append(nulls, true)
			continue
		}
		fields, nulls = append(fields, Unescape(raw)), append(nulls, false)
	}
	return fields, nulls, nil
}

func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			// \N, \NN or \NNN: a byte in octal, as PostgreSQL reads it.
			v := 0
			for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
				v = v*8 + int(s[i]-'0')
				i++
			}
			i--
			b.WriteByte(byte(v))
		case 'x':
			// \xH or \xHH: a byte in hex; a bare \x is an x.
			v, n := 0, 0
			for ; n < 2 && i+1 < len(s) && isHexDigit(s[i+1]); n++ {
				i++
				v = v*16 + hexValue(s[i])
			}
			if n == 0 {
				b.WriteByte('x')
			} else {
				b.WriteByte(byte(v))
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexValue(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

func AppendEscaped(dst []byte, s string, delim byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c == delim {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendCSV appends one CSV field, quoted when it must be: it holds the
// delimiter, the quote or a line break, it reads as NULL, or (a single
// column) it is \. alone on a line, which would read as the end of data.
func AppendCSV(dst []byte, s string, o Options, singleColumn bool) []byte {
	if s != "" && !strings.ContainsAny(s, string([]byte{o.Delim, o.quote, '\n', '\r'})) && s != o.Null &&
		!(singleColumn && s == `\.`) {
		return append(dst, s...)
	}
	dst = append(dst, o.quote)
	for i := 0; i < len(s); i++ {
		if s[i] == o.quote {
			dst = append(dst, o.quote)
		}
		dst = append(dst, s[i])
	}
	return append(dst, o.quote)
}

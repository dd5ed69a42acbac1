package copyfmt

import (
	"bytes"
	"testing"
)

// readAll feeds data in pieces cut at the given offsets and returns the
// lines read and the error, if any.
func readAll(o Options, data []byte, cuts []int, max int) ([]string, string) {
	r := NewLineReader(o, max)
	var lines []string
	prev := 0
	feed := func(end int, final bool) string {
		if end > prev {
			r.Feed(data[prev:end])
			prev = end
		}
		for {
			l, ok, err := r.Next(final)
			if err != nil {
				return err.Error()
			}
			if !ok {
				return ""
			}
			lines = append(lines, string(l))
		}
	}
	for _, c := range cuts {
		if c > prev && c <= len(data) {
			if e := feed(c, false); e != "" {
				return lines, e
			}
		}
	}
	return lines, feed(len(data), true)
}

// FuzzLineReader: however the data is cut into CopyData messages, the
// lines and the error are the same, and nothing panics.
func FuzzLineReader(f *testing.F) {
	for _, s := range []string{"1\ta\n\\.\n\n", "a,\"b\nc\"\r\n\\.\r\n", "x\\\n\\.x\n", "1\r2\r\\.\r", "\"a\"\"b\",\\.\n\\."} {
		f.Add([]byte(s), uint8(3), true)
		f.Add([]byte(s), uint8(1), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8, csv bool) {
		o := Options{Format: "text", Delim: '\t', quote: '"', escape: '"'}
		if csv {
			o.Format, o.Delim = "csv", ','
		}
		whole, werr := readAll(o, data, nil, 1<<20)
		var cuts []int
		for i := 1; step > 0 && i < len(data); i += int(step) {
			cuts = append(cuts, i)
		}
		pieces, perr := readAll(o, data, cuts, 1<<20)
		if werr != perr || len(whole) != len(pieces) {
			t.Fatalf("%q cut every %d: %q %q, whole: %q %q", data, step, pieces, perr, whole, werr)
		}
		for i := range whole {
			if whole[i] != pieces[i] {
				t.Fatalf("%q cut every %d: line %d %q, whole: %q", data, step, i, pieces[i], whole[i])
			}
		}
		for _, l := range whole {
			if !csv && bytes.ContainsAny([]byte(l), "\n") && !bytes.Contains([]byte(l), []byte("\\\n")) {
				t.Fatalf("text line with a raw newline: %q", l)
			}
		}
	})
}

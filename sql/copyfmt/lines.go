package copyfmt

import (
	"logdb/sql/pgerror"
)

// LineReader splits the data of COPY FROM in text or CSV format into lines
// as PostgreSQL 15's CopyReadLineText does: the first line's terminator
// (\n, \r\n or \r) is the one every line must use; in CSV a line break
// inside a quoted field belongs to the field; and \. ends the data — in
// text format anywhere a backslash sequence may start (what precedes it on
// its line is the last line), in CSV only alone on a line (elsewhere it is
// a value). Whatever follows the end marker is ignored, as PostgreSQL
// ignores the rest of the CopyData stream up to CopyDone (pg_restore sends
// blank lines after it).
//
// Data arrives in CopyData pieces that may split a line anywhere: Feed
// appends one, and Next returns the lines complete so far. The scan keeps
// its place between Feeds, so a long line is read once however it is cut.
type LineReader struct {
	o   Options
	max int // bound on one line's length

	buf   []byte
	start int // where the current line begins in buf
	pos   int // where the scan stands in buf
	eol   eolType

	inQuote, lastWasEsc bool

	ended bool // the end marker was read (or an error): the rest is ignored
}

// badCopyFileFormat is SQLSTATE 22P04.
const badCopyFileFormat = "22P04"

type eolType uint8

const (
	eolUnknown eolType = iota
	eolNL
	eolCR
	eolCRNL
)

// NewLineReader reads lines of format o (text or csv) no longer than max
// bytes; a longer one fails with 54000.
func NewLineReader(o Options, max int) *LineReader {
	return &LineReader{o: o, max: max}
}

// Ended reports whether the end-of-data marker \. was read.
func (r *LineReader) Ended() bool { return r.ended }

// Feed appends a CopyData payload. After the end marker, data is dropped.
func (r *LineReader) Feed(data []byte) {
	if r.ended {
		return
	}
	if r.start > 0 && r.start == len(r.buf) {
		// everything read so far is consumed: reuse the buffer
		r.buf, r.pos, r.start = r.buf[:0], 0, 0
	} else if r.start > 64<<10 && r.start > len(r.buf)/2 {
		n := copy(r.buf, r.buf[r.start:])
		r.buf, r.pos, r.start = r.buf[:n], r.pos-r.start, 0
	}
	r.buf = append(r.buf, data...)
}

// Next returns the next complete line, without its terminator, valid until
// the next Feed. ok is false when more data is needed; with final set (the
// client sent CopyDone) an unterminated last line is returned as a line.
// After the end marker, or once everything is read, ok is false.
func (r *LineReader) Next(final bool) (line []byte, ok bool, err error) {
	if r.ended {
		return nil, false, nil
	}
	csv := r.o.Format == "csv"
	quote, esc := r.o.quote, r.o.escape
	if esc == quote {
		esc = 0 // the quote just toggles, as in PostgreSQL
	}
	buf := r.buf
	firstCharInLine := r.pos == r.start
	for {
		if r.pos-r.start > r.max {
			r.ended = true
			return nil, false, pgerror.New(pgerror.ProgramLimitExceeded, "COPY line is longer than %d bytes", r.max)
		}
		if r.pos >= len(buf) {
			if !final {
				return nil, false, nil
			}
			if r.start == len(buf) {
				return nil, false, nil
			}
			line = buf[r.start:]
			r.start, r.pos = len(buf), len(buf)
			r.inQuote, r.lastWasEsc = false, false
			return line, true, nil
		}
		prev := r.pos
		c := buf[r.pos]
		r.pos++
		if csv {
			if r.inQuote && c == esc {
				r.lastWasEsc = !r.lastWasEsc
			}
			if c == quote && !r.lastWasEsc {
				r.inQuote = !r.inQuote
			}
			if c != esc {
				r.lastWasEsc = false
			}
		}
		if c == '\r' && (!csv || !r.inQuote) {
			if r.eol == eolUnknown || r.eol == eolCRNL {
				if r.pos >= len(buf) && !final {
					r.pos = prev // look at the next byte when it comes
					return nil, false, nil
				}
				if r.pos < len(buf) && buf[r.pos] == '\n' {
					r.pos++
					r.eol = eolCRNL
				} else {
					if r.eol == eolCRNL {
						return nil, false, r.fail(newlineError(csv, true))
					}
					r.eol = eolCR
				}
			} else if r.eol == eolNL {
				return nil, false, r.fail(newlineError(csv, true))
			}
			return r.take(prev), true, nil
		}
		if c == '\n' && (!csv || !r.inQuote) {
			if r.eol == eolCR || r.eol == eolCRNL {
				return nil, false, r.fail(newlineError(csv, false))
			}
			r.eol = eolNL
			return r.take(prev), true, nil
		}
		if c == '\\' && (!csv || firstCharInLine) {
			if r.pos >= len(buf) {
				if !final {
					r.pos = prev
					return nil, false, nil
				}
				continue // the line ends at the end of the data
			}
			if buf[r.pos] == '.' {
				end, more, err := r.endMarker(csv, final)
				if err != nil {
					return nil, false, r.fail(err)
				}
				if more {
					r.pos = prev
					return nil, false, nil
				}
				if end {
					line = buf[r.start:prev]
					r.ended = true
					r.buf = nil
					if len(line) > 0 {
						return line, true, nil
					}
					return nil, false, nil
				}
				// CSV: \. followed by more is a value
			} else if !csv {
				r.pos++ // the escaped byte is data, whatever it is
			}
		}
		firstCharInLine = false
	}
}

// endMarker looks at what follows a backslash and a period at r.pos: end
// reports the end-of-data marker; more, that the bytes needed have not
// arrived yet. It consumes the bytes it looked at.
func (r *LineReader) endMarker(csv, final bool) (end, more bool, err error) {
	buf := r.buf
	p := r.pos + 1 // past the '.'
	next := func() (byte, bool) {
		if p >= len(buf) {
			return 0, false
		}
		p++
		return buf[p-1], true
	}
	if r.eol == eolCRNL {
		c2, have := next()
		if !have && !final {
			return false, true, nil
		}
		if c2 == '\n' {
			if !csv {
				return false, false, pgerror.New(badCopyFileFormat, "end-of-copy marker does not match previous newline style")
			}
			r.pos = p
			return false, false, nil
		} else if c2 != '\r' {
			if !csv {
				return false, false, pgerror.New(badCopyFileFormat, "end-of-copy marker corrupt")
			}
			r.pos = p
			return false, false, nil
		}
	}
	c2, have := next()
	if !have && !final {
		return false, true, nil
	}
	if c2 != '\r' && c2 != '\n' {
		if !csv {
			return false, false, pgerror.New(badCopyFileFormat, "end-of-copy marker corrupt")
		}
		r.pos = r.pos + 1 // the '.': a value; what follows is scanned as data
		return false, false, nil
	}
	if (r.eol == eolNL || r.eol == eolCRNL) && c2 != '\n' || r.eol == eolCR && c2 != '\r' {
		return false, false, pgerror.New(badCopyFileFormat, "end-of-copy marker does not match previous newline style")
	}
	r.pos = p
	return true, false, nil
}

// take returns the line from start to end (its terminator excluded) and
// moves past the terminator.
func (r *LineReader) take(end int) []byte {
	line := r.buf[r.start:end]
	r.start = r.pos
	return line
}

func (r *LineReader) fail(err error) error {
	r.ended = true
	r.buf = nil
	return err
}

func newlineError(csv, cr bool) error {
	switch {
	case cr && !csv:
		return &pgerror.Error{Code: badCopyFileFormat, Message: "literal carriage return found in data", Hint: `Use "\r" to represent carriage return.`}
	case cr:
		return &pgerror.Error{Code: badCopyFileFormat, Message: "unquoted carriage return found in data", Hint: "Use quoted CSV field to represent carriage return."}
	case !csv:
		return &pgerror.Error{Code: badCopyFileFormat, Message: "literal newline found in data", Hint: `Use "\n" to represent newline.`}
	}
	return &pgerror.Error{Code: badCopyFileFormat, Message: "unquoted newline found in data", Hint: "Use quoted CSV field to represent newline."}
}

// Package copyfmt is the data format of COPY: its options (FORMAT text |
// csv | binary, DELIMITER, NULL, HEADER, QUOTE, ESCAPE, …, as PostgreSQL's
// COPY parses them), the text format's line splitting and backslash
// escapes, CSV quoting, and the binary format's signature and tuples.
//
// LineReader (lines.go) cuts COPY FROM's text and CSV data into lines as
// PostgreSQL 15's CopyReadLineText does, across CopyData messages that
// split lines anywhere: the first line's terminator is the file's, a CSV
// quoted field may hold line breaks, \. ends the data and the rest up to
// CopyDone is ignored. SplitLine then splits a line into fields.
//
// Package sql runs COPY FROM and COPY TO with it: reading a table, writing
// rows through the table writer, and the CopyData messages pgwire carries.
package copyfmt

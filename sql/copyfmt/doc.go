// Package copyfmt is the data format of COPY: its options (FORMAT text |
// csv | binary, DELIMITER, NULL, HEADER, QUOTE, ESCAPE, …, as PostgreSQL's
// COPY parses them), the text format's line splitting and backslash
// escapes, CSV quoting, and the binary format's signature and tuples.
//
// Package sql runs COPY FROM and COPY TO with it: reading a table, writing
// rows through the table writer, and the CopyData messages pgwire carries.
package copyfmt

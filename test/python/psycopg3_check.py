"""psycopg 3 against a logdb node: run by test/psycopg3_test.go
(TestPsycopg3CopyAndNamedCursor) with a conninfo string as argument.
Prints one line per check; the Go test compares the whole output."""
import sys

import psycopg

with psycopg.connect(sys.argv[1]) as conn:
    conn.execute("CREATE TABLE py3_items (id int PRIMARY KEY, name text, note text)")
    conn.execute("INSERT INTO py3_items SELECT g, 'item ' || g, CASE WHEN g % 2 = 0 THEN NULL ELSE E'a\\tb\\nc' END"
                 " FROM generate_series(1, 7) g")
    conn.commit()

    # COPY TO read row by row: one CopyData per row.
    with conn.cursor() as cur:
        with cur.copy("COPY (SELECT id, name, note FROM py3_items ORDER BY id) TO STDOUT") as copy:
            rows = list(copy.rows())
        print("copy.rows:", len(rows), rows[0], rows[1])
        with cur.copy("COPY (SELECT id, note FROM py3_items ORDER BY id) TO STDOUT") as copy:
            copy.set_types(["int4", "text"])
            print("copy.rows typed:", list(copy.rows())[:2])
    # COPY in binary both ways, and CSV read one row a message.
    with conn.cursor() as cur:
        with cur.copy("COPY (SELECT id, note, id * 1.5 FROM py3_items WHERE id <= 2 ORDER BY id) TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "text", "numeric"])
            print("copy.rows binary:", list(copy.rows()))
        with cur.copy("COPY py3_items (id, name, note) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "text", "text"])
            copy.write_row((102, "binary", None))
        print("binary write_row:", conn.execute("SELECT id, name, note FROM py3_items WHERE id = 102").fetchone())
        conn.execute("DELETE FROM py3_items WHERE id = 102")
        with cur.copy("COPY (SELECT id, note FROM py3_items WHERE id <= 3 ORDER BY id) TO STDOUT (FORMAT CSV, HEADER)") as copy:
            print("csv messages:", [bytes(b) for b in copy])
    # COPY FROM with data after the end marker.
    with conn.cursor() as cur:
        with cur.copy("COPY py3_items (id, name) FROM STDIN") as copy:
            copy.write("100\tfrom copy\n\\.\n\n\n")
        print("copy in:", cur.rowcount)
        with cur.copy("COPY py3_items (id, name) FROM STDIN") as copy:
            copy.write_row((101, "row\nwith newline"))
        print("write_row:", conn.execute("SELECT name FROM py3_items WHERE id = 101").fetchone())
    conn.commit()

    # A named (server-side) cursor: DECLARE, then Describe and fetches.
    with conn.cursor(name="py3_cur") as cur:
        cur.itersize = 3
        cur.execute("SELECT id, name FROM py3_items WHERE id > %s ORDER BY id", [2])
        print("named fetchone:", cur.fetchone())
        print("named fetchmany:", cur.fetchmany(2))
        print("named description:", [d.name for d in cur.description])
        print("named rest:", [r[0] for r in cur])
    conn.commit()
    with conn.cursor(name="py3_bin", binary=True) as cur:
        cur.execute("SELECT id, note FROM py3_items WHERE id <= %s ORDER BY id", [3])
        print("named binary:", cur.fetchall())
    conn.commit()
    # WITH HOLD: the cursor outlives its transaction.
    with conn.cursor(name="py3_hold", withhold=True) as cur:
        cur.execute("SELECT id FROM py3_items ORDER BY id")
        conn.commit()
        print("withhold:", cur.fetchmany(2), len(cur.fetchall()))

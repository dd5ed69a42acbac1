"""A psycopg2 LogicalReplicationConnection consumer of pgoutput with
messages 'true', run by TestPsycopg2LogicalReplication.

Usage: logical_consumer.py DSN SLOT PUBLICATION COUNT

It streams from the slot's confirmed position, prints one line per
transaction ("<table inserts> | <messages>"), confirms each transaction's
end as it goes, and stops after COUNT transactions.
"""
import struct
import sys
import time

import psycopg2
import psycopg2.extras


def cstring(buf, i):
    j = buf.index(b"\0", i)
    return buf[i:j].decode(), j + 1


def tuple_first_value(buf, i):
    (ncols,) = struct.unpack_from(">h", buf, i)
    i += 2
    kind = buf[i : i + 1]
    i += 1
    if kind == b"n":
        return None
    (length,) = struct.unpack_from(">i", buf, i)
    return buf[i + 4 : i + 4 + length].decode()


def main():
    dsn, slot, publication, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    deadline = time.time() + 30
    while True:
        conn = psycopg2.connect(dsn, connection_factory=psycopg2.extras.LogicalReplicationConnection)
        cur = conn.cursor()
        try:
            cur.start_replication(slot_name=slot, decode=False,
                                  options={"proto_version": "1", "publication_names": publication, "messages": "true"})
            break
        except psycopg2.Error as e:
            # the previous run's stream may still be ending on the server
            conn.close()
            if e.pgcode != "55006" or time.time() > deadline:
                raise
            time.sleep(0.05)

    relations = {}
    state = {"rows": [], "msgs": [], "done": 0}

    def consume(msg):
        buf = msg.payload
        tag = buf[0:1]
        if tag == b"B":
            state["rows"], state["msgs"] = [], []
        elif tag == b"R":
            (oid,) = struct.unpack_from(">I", buf, 1)
            ns, i = cstring(buf, 5)
            name, i = cstring(buf, i)
            relations[oid] = name
        elif tag == b"I":
            (oid,) = struct.unpack_from(">I", buf, 1)
            state["rows"].append("%s:%s" % (relations[oid], tuple_first_value(buf, 6)))
        elif tag == b"M":
            i = 1 + 1 + 8
            prefix, i = cstring(buf, i)
            (length,) = struct.unpack_from(">I", buf, i)
            state["msgs"].append("%s:%s" % (prefix, buf[i + 4 : i + 4 + length].decode()))
        elif tag == b"C":
            (end_lsn,) = struct.unpack_from(">Q", buf, 1 + 1 + 8)
            print("%s | %s" % (" ".join(state["rows"]), " ".join(state["msgs"])), flush=True)
            msg.cursor.send_feedback(flush_lsn=end_lsn, force=True)
            state["done"] += 1
            if state["done"] >= count:
                raise psycopg2.extras.StopReplication()

    try:
        cur.consume_stream(consume)
    except psycopg2.extras.StopReplication:
        pass
    conn.close()


if __name__ == "__main__":
    main()

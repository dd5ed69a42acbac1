"""psycopg2 against a logdb node with --certs-dir and SCRAM: run by
test/auth_test.go (TestAuthClients). Prints one line per attempt:
"<user>/<password>: ok <current_user> <ssl>" or "<user>/<password>: <message>"
(libpq gives psycopg2 no SQLSTATE for a failed connection)."""
import os
import sys

import psycopg2

base = "host=%s port=%s dbname=logdb sslrootcert=%s" % (os.environ["PGHOST"], os.environ["PGPORT"], os.environ["PGSSLROOTCERT"])
for user, pw, mode in [("app", "right", "verify-full"), ("app", "wrong", "verify-full"), ("ghost", "right", "verify-full"),
                       ("nologin", "right", "verify-full"), ("app", "right", "disable")]:
    tag = "%s/%s%s" % (user, pw, "" if mode == "verify-full" else "/plain")
    try:
        conn = psycopg2.connect(base + " user=%s password=%s sslmode=%s" % (user, pw, mode))
        cur = conn.cursor()
        cur.execute("SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        u, ssl = cur.fetchone()
        print("%s: ok %s %s" % (tag, u, "true" if ssl else "false"))
        conn.close()
    except psycopg2.OperationalError as e:
        msg = str(e).strip().splitlines()[-1]
        print("%s: %s" % (tag, msg.split("failed: ", 1)[-1]))
sys.stdout.flush()

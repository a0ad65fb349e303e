# SPDX-License-Identifier: MPL-2.0
"""make-hot-journal.py CERT9DB: leave the hot rollback journal of a transaction
the application did not finish beside CERT9DB, as a process killed mid-write
does: every row of nssPublic deleted and spilled to the file (cache_size=1),
then the process ends without commit or rollback. The file alone then holds no
certificate; SQLite rolled back, it holds them all. Used by t17-hot-journal and
the crash sweep."""
import os
import sqlite3
import sys

c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA cache_size=1")
c.execute("BEGIN")
c.execute("DELETE FROM nssPublic")
c.execute("CREATE TABLE junk(x)")
for _ in range(100):
    c.execute("INSERT INTO junk VALUES (randomblob(3000))")
os._exit(0)

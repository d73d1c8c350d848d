"""Run the SQL of `outcome sql --dialect duckdb` on a CSV return, for tests/sql.rs.

Usage: duckdb_run.py SQL CSV QUERIES. Loads the CSV into the table `return_rows` (row_number is
the line number, the header being line 1, as `outcome report` numbers CSV rows; every value as
text), runs the script, then each query of QUERIES (one a line), printing its rows as
tab-separated text (NULL as nothing) and a line `--` after each query.
"""
import csv
import sys

import duckdb

sql_path, csv_path, queries_path = sys.argv[1:4]
with open(csv_path, newline="", encoding="utf-8") as f:
    lines = list(csv.reader(f))
header = [h.strip().lower() for h in lines[0]]
db = duckdb.connect()
columns = ", ".join(['"row_number" BIGINT'] + ['"%s" TEXT' % h.replace('"', '""') for h in header])
db.execute("CREATE TABLE return_rows (%s)" % columns)
rows = [[n + 2] + r for n, r in enumerate(lines[1:])]
if rows:
    db.executemany(
        "INSERT INTO return_rows VALUES (%s)" % ", ".join(["?"] * (len(header) + 1)), rows
    )
with open(sql_path, encoding="utf-8") as f:
    db.execute(f.read())
with open(queries_path, encoding="utf-8") as f:
    queries = [q for q in f.read().splitlines() if q.strip()]
out = []
for query in queries:
    for row in db.execute(query).fetchall():
        out.append("\t".join("" if v is None else str(v) for v in row))
    out.append("--")
sys.stdout.write("\n".join(out) + "\n")

"""The real app, counting the SQL statements of each request when OCCE_COUNT_QUERIES=1.

Served by ``bench/run.py`` for the page timings, with ``OCCE_QUERY_LOG`` naming the file
the statements go to (``bench/querycount.py``); the row-save load runs on ``app:app``.
"""

import os

from bench.querycount import count_queries
from occe import create_app

app = create_app()
if os.environ.get("OCCE_COUNT_QUERIES") == "1":
    count_queries(app, os.environ["OCCE_QUERY_LOG"])

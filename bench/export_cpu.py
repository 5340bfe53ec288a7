"""CPU time of the XLSX exports, outside the server: the rows, then the file.

Run it against a database grown by ``flask seed-scale`` (the one named by DATABASE_URL):

    DATABASE_URL=sqlite:////tmp/x/occe.db .venv/bin/python bench/export_cpu.py --repeat 3

For each export it prints the median CPU time (``time.process_time``) of computing the
rows and of writing the XLSX from them, and the file's size. CPU time rather than wall
time: on a shared machine it is what moves least with the others' load, yet it still
does, so compare two versions run one after the other on the same database.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from occe import create_app  # noqa: E402
from occe.db import db  # noqa: E402
from occe.models import Campaign  # noqa: E402
from occe.staff.exports import EXPORTS, xlsx_file  # noqa: E402


def cpu(function, *args):
    started = time.process_time()
    result = function(*args)
    return time.process_time() - started, result


def computed(table, campaign):
    header, rows = table(campaign)
    return header, list(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("exports", nargs="*", default=list(EXPORTS))
    options = parser.parse_args(argv)
    app = create_app({"SECRET_KEY": "export-cpu"})
    with app.app_context(), db.connection_context():
        campaign = Campaign.current()
        for name in options.exports:
            title, table = EXPORTS[name]
            rows_times, file_times = [], []
            for _ in range(options.repeat):
                seconds, (header, rows) = cpu(computed, table, campaign)
                rows_times.append(seconds)
                seconds, output = cpu(xlsx_file, title, header, rows)
                file_times.append(seconds)
            size = len(output.read())
            cells = len(rows) * len(header)
            rows_cpu, file_cpu = statistics.median(rows_times), statistics.median(file_times)
            print(f"{name} : {len(rows)} lignes × {len(header)} colonnes ; lignes {rows_cpu:.2f} s, "
                  f"fichier {file_cpu:.2f} s ({file_cpu / max(cells, 1) * 1e6:.1f} µs par cellule), "
                  f"total {rows_cpu + file_cpu:.2f} s ; {size / 1e6:.1f} Mo")


if __name__ == "__main__":
    main()

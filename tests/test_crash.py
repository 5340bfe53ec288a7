"""The crash test of scripts/crash_test.py, short: the real server (gunicorn, several
workers) killed with SIGKILL three times while schools save lines; nothing acknowledged
is lost and the database is intact. The long run is described in the README."""

import subprocess
import sys
from pathlib import Path


SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "crash_test.py"


def test_no_acknowledged_save_is_lost_when_the_server_is_killed(sqlite_only):
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--kills", "3", "--clients", "4", "--port", "5212"],
        capture_output=True, text=True, timeout=300,
    )
    report = run.stdout
    assert run.returncode == 0, report + run.stderr[-3000:]
    assert "Arrêts brutaux (SIGKILL) : 3" in report
    assert "Perdus : 0" in report
    assert "PRAGMA integrity_check : ok" in report
    acknowledged = int(report.split("Enregistrements confirmés : ")[1].split()[0])
    assert acknowledged > 0

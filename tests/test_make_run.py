"""`make run PORT=…`: the port reaches the server; a bad one stops before anything starts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_run_passes_the_port_to_the_server():
    dry = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "PORT=8123 bash scripts/run-dev.sh" in dry.stdout
    default = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "PORT=8000 bash scripts/run-dev.sh" in default.stdout
    script = (ROOT / "scripts" / "run-dev.sh").read_text()
    assert 'runserver "127.0.0.1:$PORT"' in script


def test_a_port_that_is_not_a_number_is_refused_before_anything_starts(tmp_path):
    env = {**os.environ, "PORT": "80; rm -rf /", "VAR_DIR": str(tmp_path), "VENV": str(tmp_path / "no-venv")}
    run = subprocess.run(["bash", "scripts/run-dev.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 2 and "PORT must be a number" in run.stderr
    assert not (tmp_path / "log" / "celery.log").exists()

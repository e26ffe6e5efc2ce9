"""The import, bounded (issue 25): the hostile workbook is refused while it is streamed,
before openpyxl loads it whole, with little memory (measured in a subprocess); a parsed
upload is kept for the preview's reloads and the confirmation; three previews in parallel
leave /healthz answering; implausible dates, a column hidden by a merged header cell and
a formula cell get clear messages, in the import and in the measure form alike."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from rectification import services
from rectification.ledger import reader
from rectification.ledger.container import Limits
from rectification.ledger.reader import read_ledger
from rectification.ledger.uploads import upload_store
from rectification.models import Measure

from .ledger_books import book, hostile, row

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

# The peak is the process's own high-water mark (VmHWM), not getrusage's ru_maxrss: Linux
# carries ru_maxrss across exec, so a child of a large pytest worker would report its parent's.
MEASURE_SCRIPT = """
import json, sys, time
import django
django.setup()
from rectification.ledger.reader import read_ledger

def status(name):
    for line in open("/proc/self/status"):
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024

data = open(sys.argv[1], "rb").read()
before = status("VmHWM")
wall, cpu = time.perf_counter(), time.process_time()
ledger = read_ledger(data)
print(json.dumps({
    "wall": time.perf_counter() - wall,
    "cpu": time.process_time() - cpu,
    "peak_mb": status("VmHWM"),
    "before_mb": before,
    "problems": [p.message for p in ledger.problems],
}))
"""


@pytest.fixture(scope="module")
def hostile_book() -> bytes:
    return hostile()


def test_the_hostile_workbook_is_what_the_issue_describes(hostile_book):
    limits = Limits.from_settings()
    members = zipfile.ZipFile(io.BytesIO(hostile_book)).infolist()
    inflated = sum(m.file_size for m in members)
    assert len(hostile_book) < limits.max_bytes and 30 * MB < inflated < limits.max_uncompressed
    assert inflated / len(hostile_book) < limits.max_ratio  # passes every container check


def test_the_hostile_workbook_is_refused_with_little_memory_in_a_subprocess(hostile_book, tmp_path):
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(hostile_book)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "fuhua.settings_test")}
    out = subprocess.run(
        [sys.executable, "-c", MEASURE_SCRIPT, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"hostile workbook: {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU, peak {result['peak_mb']:.0f} MB")
    assert result["problems"] == ["工作表「整改台账」超过 5000 行（单次导入的上限），已停止读取。请拆分后分批导入。"]
    # The whole process (Django loaded) stays under 150 MB; the import itself adds little.
    assert result["peak_mb"] < 150 and result["peak_mb"] - result["before_mb"] < 40, result
    # Before: 20.7 s and 678 MB, every cell loaded before the row limit looked. The time is
    # a benchmark's (ledger.hostile-refused, target < 2 s), not a test's: it is printed.


def test_many_cells_in_another_sheet_are_refused_before_the_full_load():
    wide = hostile(rows=3_000, cells=60)  # few rows, but 180,000 cells
    problems = [p.message for p in read_ledger(wide).problems]
    assert len(problems) == 1 and "单元格超过" in problems[0]


def test_an_upload_is_parsed_once_for_the_preview_its_reloads_and_the_confirmation(personas, monkeypatch):
    calls = []
    real = reader.read_ledger

    def counting(data, limits=None):
        calls.append(len(data))
        return real(data, limits)

    monkeypatch.setattr("rectification.services.ledger.read_ledger", counting)
    client = Client()
    client.force_login(personas.secretary_a)
    data = book([row(measure="只解析一次的措施")])
    response = client.post(reverse("rectification:ledger_import"), {"file": _upload(data)})
    token = response["Location"].rstrip("/").split("/")[-1]
    preview = reverse("rectification:ledger_import_preview", args=[token])
    for _ in range(3):
        assert client.get(preview).status_code == 200
    assert client.post(reverse("rectification:ledger_import_confirm", args=[token])).status_code == 302
    assert Measure.objects.filter(title="只解析一次的措施").exists()
    assert calls == [len(data)]


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "台账.xlsx", data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@pytest.mark.django_db(transaction=True)
def test_three_parallel_previews_leave_healthz_answering(live_server, personas, hostile_book):
    client = Client()
    client.force_login(personas.secretary_a)
    session = client.session
    tokens = []
    for _ in range(3):  # three tabs, three uploads; opened at once, each parses (none is cached yet)
        tokens.append(upload_store(session, data=hostile_book, name="h.xlsx", organisation_id=None, inspection_id=None))
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    def get(path: str) -> tuple[int, float]:
        started = time.perf_counter()
        request = urllib.request.Request(live_server.url + path, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status, time.perf_counter() - started

    previews = [reverse("rectification:ledger_import_preview", args=[t]) for t in tokens]
    results: list[tuple[int, float]] = []
    threads = [threading.Thread(target=lambda p=p: results.append(get(p))) for p in previews]
    for thread in threads:
        thread.start()
    health = []
    while any(t.is_alive() for t in threads):
        health.append(get("/healthz")[1])
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    print(f"previews {[round(s, 2) for _c, s in results]} s; /healthz max {max(health):.2f} s over {len(health)}")
    assert [c for c, _s in results] == [200, 200, 200]
    assert health and max(health) < 1


# ---------------------------------------------------------------- clear messages


@pytest.mark.parametrize(
    ("due", "shown"),
    [("1800-01-01", "1800-01-01"), (dt.date(9999, 12, 31), "9999-12-31"), (-5, "1899-12-25")],
)
def test_an_implausible_deadline_in_the_ledger_is_named(due, shown):
    def date_cell(ws):
        if isinstance(due, int):  # a negative date serial, as a date-formatted cell holds it
            ws["K2"].number_format = "yyyy-mm-dd"

    problems = read_ledger(book([row(due=due)], edit=date_cell)).problems
    messages = [p.message for p in problems if p.column == "完成时限"]
    assert messages and ("不合理" in messages[0] or "无法识别" in messages[0]), messages
    if not isinstance(due, int):
        assert f"日期 {shown} 不合理" in messages[0]


def test_an_implausible_deadline_is_refused_by_the_measure_services(measure_a, personas):
    user = personas.secretary_a
    for day in (dt.date(1800, 1, 1), dt.date(1899, 12, 25), dt.date(9999, 12, 31)):
        with pytest.raises(ValidationError, match="不合理"):
            services.measure_update(measure=measure_a, user=user, expected_version=None, due_on=day)
        with pytest.raises(ValidationError, match="不合理"):
            services.measure_create(finding=measure_a.finding, user=user, title="新措施", kind="time_bound", due_on=day)
    measure_a.refresh_from_db()
    assert measure_a.due_on == dt.date(2025, 6, 30)


def test_the_measure_form_names_the_implausible_date(measure_a, personas):
    client = Client()
    client.force_login(personas.secretary_a)
    page = client.get(reverse("rectification:measure_edit", args=[measure_a.pk]))
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data |= {"due_on": "1800-01-01", "version": measure_a.version, "title": measure_a.title, "kind": "time_bound"}
    response = client.post(reverse("rectification:measure_edit", args=[measure_a.pk]), data)
    assert "日期 1800-01-01 不合理" in response.content.decode()
    measure_a.refresh_from_db()
    assert measure_a.due_on == dt.date(2025, 6, 30)


def test_a_column_hidden_by_a_merged_header_cell_is_named():
    def merge(ws):
        ws.insert_cols(10)  # a column of names beside 责任人, under one merged header
        ws["J1"] = "责任人"
        ws["J2"] = "赵敏"
        ws["K2"] = "周婷"
        ws.merge_cells("J1:K1")

    problems = read_ledger(book([row(owners="")], edit=merge)).problems
    messages = [p.message for p in problems if not p.warning]
    assert any("第 11 列（K 列）因此没有自己的列名" in m for m in messages), messages


def test_a_formula_cell_is_reported_as_a_formula_not_as_empty():
    def formula(ws):
        ws["F2"] = '=CONCATENATE("严格","落实")'  # the measure, as a formula without a saved result

    problems = read_ledger(book([row()], edit=formula)).problems
    assert [(p.column, "公式" in p.message) for p in problems if not p.warning] == [("整改措施", True)]
    assert not any("缺少整改措施" in p.message for p in problems)

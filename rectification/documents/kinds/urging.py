"""督办函: the letter a supervisor above sends an organisation about its rectification, in
the official layout of every other document (the engine: model.py, writers.py).

Structure: the title (the letter's subject), its number (「福田巡督〔2026〕3号」), the
organisation addressed (主送), the text as written, the request to reply by the deadline,
附件说明, the issuing organisation and date; 附件 督办事项清单 (the measures urged: their
problem, deadline and how late) when measures were chosen, otherwise the letter is about
the whole inspection and says so.

``build_urging_letter`` reads only the letter and what it was loaded with
(selectors.urging.urging_letter: issuer, organisation, inspection, measures and their
findings); no query. Stored and printed in Chinese, the language of the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ...models import Measure, UrgingLetter
from ..model import Annex, Cell, Column, Document, Paragraph, Run, Signature, Table, Title, parse_narrative
from ..wording import format_date, full_stop, one_line
from ..writers import FORMATS, Rendered, render

_COLUMNS = (
    Column("序号", 1.2, "center"),
    Column("反馈问题", 5.0),
    Column("整改措施", 5.4),
    Column("完成时限", 2.6, "center"),
    Column("逾期情况", 2.2, "center"),
)
ANNEX_TITLE = "督办事项清单"


def _lateness(measure: Measure, today: dt.date) -> str:
    days = measure.days_overdue(today)
    return f"已超期{days}天" if days else "未超期"


def measures_table(measures: Iterable[Measure], today: dt.date) -> Table:
    rows = tuple(
        (
            Cell(str(n)),
            Cell(one_line(m.finding.problem)),
            Cell(one_line(m.title)),
            Cell(format_date(m.due_on) if m.due_on else "长期坚持"),
            Cell(_lateness(m, today)),
        )
        for n, m in enumerate(measures, start=1)
    )
    return Table(_COLUMNS, rows, kind="urging")


def build_urging_letter(letter: UrgingLetter, *, today: dt.date) -> Document:
    """The document of an issued letter; ``today`` dates the lateness in the annex."""
    measures = sorted(letter.measures.all(), key=lambda m: (m.finding.category_id, m.finding.position, m.position))
    i = letter.inspection
    feedback = f"{i.team}于{format_date(i.feedback_on)}向你单位反馈巡察意见"
    scope = (
        f"{feedback}，现将整改中的{len(measures)}项措施列入督办（见附件）。"
        if measures
        else f"{feedback}，现对反馈问题整改工作进行督办。"
    )
    blocks = [
        Paragraph((Run(letter.number),), kind="number", flush_left=True),
        Paragraph((Run(f"{letter.organisation.name}："),), kind="addressee", flush_left=True),
        Paragraph((Run(scope),), kind="text"),
        *parse_narrative(letter.text),
        Paragraph(
            (Run(full_stop(f"请于{format_date(letter.reply_due_on)}前将整改落实情况书面回复{letter.issuer.name}")),),
            kind="text",
        ),
    ]
    annexes = (Annex(ANNEX_TITLE, (measures_table(measures, today),)),) if measures else ()
    issued_on = letter.issued_at.date()
    return Document(
        title=Title((letter.subject,)),
        blocks=tuple(blocks),
        signature=Signature(name=letter.issuer.name, date=format_date(issued_on), issued_on=issued_on),
        annexes=annexes,
    )


def urging_render(letter: UrgingLetter, *, today: dt.date, formats: Iterable[str] = FORMATS) -> Rendered:
    """The letter's files in ``formats`` (``html``, ``pdf``, ``docx``)."""
    return render(build_urging_letter(letter, today=today), formats)

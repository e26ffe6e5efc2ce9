"""The bulletin's closing paragraph: how the public may comment (联系方式与意见征集), in the
wording published bulletins use, e.g.

「欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请于2026年1月31日前通过以下
方式向我们反映：联系电话：0755-83000000（工作日9:00—12:00、14:00—18:00）；通信地址：……；
电子邮箱：……。」

Built from ``selectors.comments.contact_window`` (the bulletin's fields over the
organisation's); nothing when no channel and no deadline is set. No query."""

from __future__ import annotations

from ...selectors.comments import ContactWindow
from ..model import Paragraph, Run
from ..wording import format_date

OPENING = "欢迎广大干部群众对巡察整改落实情况进行监督。"


def contact_sentence(window: ContactWindow) -> str:
    if window.empty:
        return ""
    channels = []
    if window.phone:
        channels.append(f"联系电话：{window.phone}" + (f"（{window.hours}）" if window.hours else ""))
    if window.address:
        channels.append(f"通信地址：{window.address}")
    if window.email:
        channels.append(f"电子邮箱：{window.email}")
    when = f"请于{format_date(window.comment_until)}前" if window.comment_until else "请"
    if channels:
        return f"{OPENING}如有意见建议，{when}通过以下方式向我们反映：{'；'.join(channels)}。"
    # A deadline without a channel: the comments come through the public page's form.
    return f"{OPENING}如有意见建议，{when}通过本通报网页留言反映。"


def contact_blocks(window: ContactWindow) -> list[Paragraph]:
    text = contact_sentence(window)
    return [Paragraph((Run(text),), kind="contact")] if text else []

"""Word lists for the scale-data generator (devdata/scale.py): plausible Chinese
names and texts, drawn from the same random stream so a seed gives the same words."""

from __future__ import annotations

import random

DISTRICT = "新城区"
CN_NUMBERS = "〇一二三四五六七八九十"
RULE_TITLE = "社区议事决策规则"

_STREETS = ["福田", "南园", "园岭", "沙头", "香蜜湖", "莲花", "华富", "梅林", "华强北", "福保", "新桥", "燕罗"]
_FIRST = "福岗新华莲景彩梅安和金碧翠绿锦松竹兰桂荔"
_SECOND = "华厦园田苑林庭湾山湖岭港洲溪源峰坪城海岸"


def street_name(index: int) -> str:
    return _STREETS[index % len(_STREETS)] + ("" if index < len(_STREETS) else str(index // len(_STREETS) + 1))


def community_name(index: int) -> str:
    """Unique per index: two syllables while they last, then a number."""
    size = len(_FIRST) * len(_SECOND)
    base = _FIRST[index % len(_FIRST)] + _SECOND[(index // len(_FIRST)) % len(_SECOND)]
    return base if index < size else f"{base}{index // size + 1}"


# (login key, role, title); role None: a responsible person without a login (named in a ledger).
ROSTER = [
    ("secretary", "secretary", "社区党委书记"),
    ("member1", "member", "社区党委副书记"),
    ("member2", "member", "社区党委委员"),
    ("member3", "member", "社区党委委员"),
    ("staff1", "staff", "党建办工作人员"),
    ("staff2", "staff", "安全办工作人员"),
    ("staff3", "staff", "综治办工作人员"),
    ("staff4", "staff", "民政办工作人员"),
    ("grid1", "grid", "网格员"),
    ("grid2", "grid", "网格员"),
    ("", None, "物业管理处负责人"),
    ("", None, "股份公司工作人员"),
]

_SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐"
_GIVEN = [
    "明华",
    "建国",
    "丽",
    "洋",
    "敏",
    "磊",
    "婷",
    "强",
    "伟",
    "芳",
    "静",
    "军",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "超",
]


def person_names(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct names (a person's name is unique within an organisation)."""
    picks = rng.sample(range(len(_SURNAMES) * len(_GIVEN)), n)
    return [_SURNAMES[p % len(_SURNAMES)] + _GIVEN[p // len(_SURNAMES)] for p in picks]


CATEGORY_TITLES = [
    "关于党中央和上级各项决策部署落实情况方面",
    "关于落实全面从严治党战略部署方面",
    "关于基层党组织建设方面",
    "关于落实意识形态工作责任制方面",
    "关于基层治理和服务群众方面",
    "关于落实安全生产责任方面",
    "关于集体资产资金管理方面",
    "关于落实上轮巡察整改方面",
]

_TOPICS = [
    "“房中房”安全管理",
    "出租屋消防安全隐患",
    "“三会一课”制度执行",
    "党员发展程序",
    "集体资产租赁合同",
    "社区财务报销审核",
    "网格化管理队伍建设",
    "燃气安全宣传",
    "居民诉求办理",
    "意识形态阵地管理",
    "党费收缴使用",
    "小区物业管理监督",
    "电动自行车充电安全",
    "社区工作者考核",
    "重点人群走访关爱",
]
_ITEM_VERBS = ["压实", "规范", "加强", "健全", "深化", "完善", "落实"]
_MEASURE_VERBS = ["开展", "建立", "组织", "制定", "完善", "推动", "督促", "每季度开展"]
_MEASURE_OBJECTS = ["专项排查工作", "工作台账", "专题学习", "整改工作方案", "监督检查机制", "培训和宣传", "回头看检查"]
_PROGRESS = [
    "已组织社区工作人员、网格员对辖区开展全面排查，",
    "已召开专题会议研究部署，明确责任分工和完成时限，",
    "已建立工作台账并实行动态更新，",
    "已联合物业管理处、股份公司开展联合检查，",
    "已对发现的问题逐一登记并督促整改，",
    "已制定相关制度并印发执行，",
]
_OUTCOMES = [
    "共排查{n}栋楼宇，整改隐患{m}处。",
    "累计开展宣传活动{n}场，覆盖居民{m}人次。",
    "完成整改{n}项，剩余{m}项正在推进。",
    "组织培训{n}次，参训人员{m}人次。",
]
_NOTES = [
    "已完成阶段性工作，下一步继续推进。",
    "召开调度会，研究解决推进中的困难。",
    "已收集相关佐证材料。",
    "与责任部门沟通，明确下一步计划。",
    "按计划推进中，暂无困难。",
]
UNITS = ["党建办", "安全办", "综治办", "民政办", "财务室", "物业管理处", "股份公司"]
EVIDENCE_FILES = [
    ("会议纪要.pdf", "application/pdf"),
    ("现场照片.jpg", "image/jpeg"),
    ("签到表.pdf", "application/pdf"),
    ("整改台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("工作方案.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("合同.pdf", "application/pdf"),
]


def item_texts(rng: random.Random) -> tuple[str, str]:
    """(public heading, internal problem wording) of one rectification item."""
    topic = rng.choice(_TOPICS)
    return f"{rng.choice(_ITEM_VERBS)}{topic}工作", f"{topic}工作存在薄弱环节，部分问题未及时发现和处置。"


def lead_in(rng: random.Random) -> str:
    return f"针对{rng.choice(_TOPICS)}方面存在的问题，社区党委高度重视，立即研究部署整改工作。"


def measure_title(rng: random.Random) -> str:
    return f"{rng.choice(_MEASURE_VERBS)}{rng.choice(_TOPICS)}{rng.choice(_MEASURE_OBJECTS)}"


def progress(rng: random.Random) -> str:
    outcome = rng.choice(_OUTCOMES).format(n=rng.randint(2, 60), m=rng.randint(5, 500))
    return rng.choice(_PROGRESS) + outcome


def note(rng: random.Random) -> str:
    return rng.choice(_NOTES)

"""The dated parameters of random inspections (values are local: domain-rules §3 and §4)."""

from __future__ import annotations

from zhijian.dictionaries import parameters

from .draw import CLASSES

LINDIAN = (
    "地方示例（domain-rules §3，LOCAL）：大庆市林甸县企业信用风险分类抽查比例，"
    "A类≤5%、B类5%–20%、C类21%–60%、D类61%–100%；全国统一比例未核实（UNVERIFIED）"
)

CLASS_RATIOS = parameters.declare(
    "random_inspections.class_ratios",
    {"A": 0.05, "B": 0.2, "C": 0.6, "D": 1.0},
    name="双随机抽查比例（按企业信用风险分类）",
    source=LINDIAN + "。默认取各类区间上限，须由本局按本地规定设定。",
    validate=parameters.ratios(CLASSES),
)


def ratio_ranges(value) -> dict:
    """A mapping of A/B/C/D to [lowest, highest] shares between 0 and 1."""
    if not isinstance(value, dict) or set(value) != set(CLASSES):
        raise parameters.InvalidParameter(f"取值应包含且仅包含：{'、'.join(CLASSES)}")
    checked = {}
    for cls in CLASSES:
        pair = value[cls]
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise parameters.InvalidParameter(f"{cls}类应为[下限, 上限]，收到“{pair}”")
        low, high = (parameters.ratio(v) for v in pair)
        if low > high:
            raise parameters.InvalidParameter(f"{cls}类下限{low}大于上限{high}")
        checked[cls] = [low, high]
    return checked


CLASS_RATIO_LIMITS = parameters.declare(
    "random_inspections.class_ratio_limits",
    {"A": [0.0, 0.05], "B": [0.05, 0.2], "C": [0.21, 0.6], "D": [0.61, 1.0]},
    name="抽查计划可调整的比例区间（按企业信用风险分类）",
    source=LINDIAN + "。计划可在区间内另定比例。",
    validate=ratio_ranges,
)


def _at_least_two(value: int) -> int:
    if value < 2:
        raise parameters.InvalidParameter("法律规定执法人员不得少于两人，取值不能小于 2")
    return value


MIN_INSPECTORS = parameters.declare(
    "random_inspections.min_inspectors_per_check",
    2,
    name="每次检查最少执法人员数",
    source="《行政处罚法》（2021）第四十二条：执法人员不得少于两人；"
    "《食品生产经营监督检查管理办法》第二十三条：2名以上（含2名）",
    validate=lambda v: _at_least_two(parameters.positive_int(v)),
)


PROVISIONAL_PENALTY_YEARS = parameters.declare(
    "random_inspections.provisional_penalty_years",
    3,
    name="临时信用风险分类：计入行政处罚的年数",
    source="本平台临时规则（信用风险分类模型由第6号议题提供后取代），"
    "与经营异常名录、严重违法失信名单的3年期限一致",
    validate=parameters.positive_int,
)

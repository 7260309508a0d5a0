"""Demo data of random inspections: an inspector directory and a few drawn plans.

Run by ``zhijian demo`` after the synthetic city and the supervision item catalogue.
Idempotent: nothing is added when a demo plan exists (``Plan.note`` starts with DEMO_NOTE).
The plans go through the real services (directory, draw, tasks, audit), so that
``zhijian random list`` / ``verify`` and the public page have real draws to show:

* 浦东: a draw on registration and published information (published);
* 松江: a food-business draw, redrawn once with a reason (both draws kept; not yet published);
* 浦东: a joint plan with the fire service (消防救援), one inspector of each department per check.
"""

from __future__ import annotations

DEMO_NOTE = "演示数据"
STATIONS_PER_DISTRICT = 3
INSPECTORS_PER_STATION = 3


def build(stdout) -> str | None:
    from .models import Plan

    if Plan.objects.filter(note__startswith=DEMO_NOTE).exists():
        return None
    from zhijian.core.models import OrgUnit

    districts = {u.code: u for u in OrgUnit.objects.filter(code__in=["310115", "310117"])}
    if len(districts) < 2:
        return None
    from django.db import transaction

    from .services import PlanError

    _directory(districts)
    try:
        with transaction.atomic():  # all plans or none
            plans = _plans(districts)
    except PlanError as exc:  # a city too small for the demo plans' ratios
        return f"双随机抽查 random inspections: 未生成演示计划 no demo plans ({exc})"
    return f"  双随机抽查 random inspections: {len(plans)} 个抽查计划 plans drawn"


def _directory(districts) -> None:
    from zhijian.core import roles
    from zhijian.core import services as core_services
    from zhijian.core.demo import DEMO_PASSWORD
    from zhijian.core.models import OrgUnit, User

    from . import services

    fields = ["食品", "特种设备", "产品质量", "广告", "价格", "登记注册"]
    for district in districts.values():
        stations = OrgUnit.objects.filter(parent=district, kind="station").order_by("code")
        for s_index, station in enumerate(stations[:STATIONS_PER_DISTRICT]):
            for i in range(INSPECTORS_PER_STATION):
                username = f"ri_{station.code}_{i}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    user, _ = core_services.create_user(
                        username=username, unit=station, roles=[roles.STATION_INSPECTOR],
                        full_name=f"{station.short_name or station.name}检查员{i + 1}",
                        password=DEMO_PASSWORD, must_change_password=False,
                        badge_number=f"{station.code[:6]}{s_index:02d}{i:03d}",
                    )  # fmt: skip
                services.save_inspector(
                    user, by=None, expertise=[fields[(s_index + i) % len(fields)], "登记注册"]
                )
    # the demo station accounts are inspectors too, so that drawn tasks reach them
    for username, badge in (("zhangjiang", "31011599001"), ("yexie", "31011799001")):
        user = User.objects.filter(username=username).first()
        if user is not None:
            if not user.badge_number:
                user.badge_number = badge
                user.save(update_fields=["badge_number"])
            services.save_inspector(user, by=None, expertise=["食品", "登记注册"])
    pudong = districts["310115"]
    for i in range(3):
        username = f"ri_fire_{i}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _ = core_services.create_user(
                username=username, unit=pudong, roles=[], full_name=f"消防监督员{i + 1}",
                password=DEMO_PASSWORD, must_change_password=False, badge_number=f"XF3101150{i}",
            )  # fmt: skip
        services.save_inspector(user, by=None, department="浦东新区消防救援支队",
                                expertise=["消防安全"])  # fmt: skip


def _item(code: str, name: str, basis: str, **extra):
    from zhijian.supervision.models import SupervisionItem

    item = SupervisionItem.objects.filter(code=code).first()
    if item is None:
        item = SupervisionItem.objects.create(
            code=code, name=name, legal_basis=basis, department="市场监督管理局", **extra
        )
    return item


def _plans(districts) -> list:
    from zhijian.core.models import User

    from . import services

    pudong, songjiang = districts["310115"], districts["310117"]
    officer = {
        "310115": User.objects.filter(username="pudong").first(),
        "310117": User.objects.filter(username="songjiang").first(),
    }
    registration = _item(
        "DJGL-001", "登记事项和公示信息检查",
        "《企业信息公示暂行条例》第十四条；《中华人民共和国市场主体登记管理条例实施细则》第六十六条",
    )  # fmt: skip
    food = _item(
        "SPJY-001", "食品经营许可及经营行为检查",
        "《中华人民共和国食品安全法》第三十五条、第一百一十条", industries=["52", "62"],
    )  # fmt: skip
    low = {"A": 0.01, "B": 0.05, "C": 0.21, "D": 0.61}
    plans = []
    first = services.create_plan(
        user=officer["310115"], name="2026年浦东新区企业公示信息双随机抽查（第一批）",
        item=registration, unit=pudong, ratios=low, due_days=20,
        note=f"{DEMO_NOTE}：登记事项和公示信息年度抽查",
    )  # fmt: skip
    record = services.draw_plan(
        first, user=officer["310115"], public_random="体彩排列5第26041期 3 8 1 7 5",
        public_random_source="中国体育彩票排列5第26041期开奖号码",
    )  # fmt: skip
    services.publish_draw(record, user=officer["310115"])
    plans.append(first)
    second = services.create_plan(
        user=officer["310117"], name="2026年松江区食品经营者双随机抽查",
        item=food, unit=songjiang, ratios={"A": 0.02, "B": 0.1, "C": 0.3, "D": 1.0},
        due_days=15, note=f"{DEMO_NOTE}：食品经营环节",
    )  # fmt: skip
    services.draw_plan(
        second, user=officer["310117"], public_random="26042", public_random_source="排列5第26042期"
    )
    services.draw_plan(
        second, user=officer["310117"], public_random="体彩排列5第26043期 0 4 4 9 2",
        public_random_source="中国体育彩票排列5第26043期开奖号码",
        reason="首次抽取录入的开奖号码不完整，按当期完整号码重新抽取",
    )  # fmt: skip
    plans.append(second)
    joint = services.create_plan(
        user=officer["310115"], name="2026年浦东新区市场监管与消防联合双随机抽查",
        item=registration, unit=pudong, ratios={"A": 0.002, "B": 0.05, "C": 0.21, "D": 0.61},
        inspectors_per_check=3, due_days=20, note=f"{DEMO_NOTE}：跨部门联合抽查",
        participants=[{"department": "市场监督管理局", "unit": pudong.code},
                      {"department": "浦东新区消防救援支队", "unit": pudong.code}],
    )  # fmt: skip
    record = services.draw_plan(
        joint, user=officer["310115"],
        public_random="0000000000000000000215a2f3b6c1d0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4",
        public_random_source="公开区块链区块哈希（示例）",
    )  # fmt: skip
    services.publish_draw(record, user=officer["310115"])
    plans.append(joint)
    return plans

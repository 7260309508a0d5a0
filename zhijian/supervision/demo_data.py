"""Demo data of supervision: a catalogue of items and a few hundred tasks in every state.

Run by ``zhijian demo`` after the synthetic city (see ``zhijian.core.extensions``). Idempotent:
items are created only when their code is missing, tasks only when no demo task exists
(``source_ref = "supervision.demo"``). The tasks belong to the demo accounts' units
(``zhijian.core.demo.DEMO_USERS``) and go through the real services (so their histories and
audit records are real); their dates are then spread over the last 90 days with one bulk
update (and one audit record), so that the to-do list and performance pages have overdue and
closed work to show. Deadlines of the demo tasks are an internal handling time, not a
statutory one (``due_basis`` says so).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

DEMO_REF = "supervision.demo"
DEMO_TASKS = 300
SEED = 2026
DUE_BASIS = "演示数据：本局日常监督检查内部办理时限（非法定期限）"

ITEMS = [
    ("SPJY-001", "食品经营许可及经营行为检查", "《中华人民共和国食品安全法》第三十五条、第一百一十条；《食品生产经营监督检查管理办法》（市场监管总局令第49号）",
     "食品经营安全监督管理处", ["私营企业", "个体工商户", "国有企业", "外资企业"], ["52", "62"], ["食品经营许可证"],
     ["是否持有有效的食品经营许可证并在经营场所显著位置公示", "从业人员是否持有有效健康证明",
      "是否落实进货查验和记录制度", "是否存在超范围经营", "食品贮存条件是否符合要求"]),
    ("SPSC-001", "食品生产企业监督检查", "《中华人民共和国食品安全法》第四十六条、第一百一十条；《食品生产经营监督检查管理办法》第十二条",
     "食品生产安全监督管理处", ["私营企业", "国有企业", "外资企业"], ["13", "14", "15"], ["食品生产许可证"],
     ["生产许可是否在有效期内", "原辅料进货查验记录是否完整", "出厂检验记录是否完整", "生产环境和设备是否符合要求"]),
    ("CYFW-001", "餐饮服务食品安全检查（明厨亮灶）", "《中华人民共和国食品安全法》第五十五条、第五十六条；《餐饮服务食品安全操作规范》",
     "食品经营安全监督管理处", [], ["62"], ["食品经营许可证"],
     ["后厨是否实现明厨亮灶", "餐用具是否清洗消毒", "食品添加剂是否专人专柜管理", "是否建立食品安全自查制度"]),
    ("TZSB-001", "电梯使用单位监督检查", "《中华人民共和国特种设备安全法》第三十三条、第四十五条；《特种设备安全监督检查办法》（市场监管总局令第57号）",
     "特种设备安全监察处", [], [], [],
     ["电梯是否办理使用登记", "是否在检验有效期内使用", "是否签订维护保养合同", "安全管理人员是否持证上岗"]),
    ("TZSB-002", "锅炉、压力容器使用单位监督检查", "《中华人民共和国特种设备安全法》第三十二条、第三十三条、第四十条",
     "特种设备安全监察处", ["私营企业", "国有企业", "外资企业"], ["13", "14", "17", "26", "44"], [],
     ["设备是否办理使用登记", "是否按期申报定期检验", "作业人员是否持证", "安全技术档案是否完整"]),
    ("CPZL-001", "生产领域产品质量监督检查", "《中华人民共和国产品质量法》第十五条、第十八条",
     "产品质量安全监督管理处", ["私营企业", "国有企业", "外资企业"], ["17", "18", "19", "38", "39"], [],
     ["产品标识是否符合规定", "是否有出厂检验记录", "是否生产国家明令淘汰的产品"]),
    ("CPZL-002", "工业产品生产许可证获证企业检查", "《中华人民共和国工业产品生产许可证管理条例》第三十七条至第三十九条",
     "产品质量安全监督管理处", ["私营企业", "国有企业", "外资企业"], [], ["全国工业产品生产许可证"],
     ["是否持续符合获证条件", "许可证标志和编号使用是否规范", "是否按规定提交自查报告"]),
    ("GGJG-001", "广告发布行为检查", "《中华人民共和国广告法》第九条、第二十八条、第五十五条",
     "广告监督管理处", [], [], [],
     ["是否使用“国家级”“最高级”“最佳”等用语", "是否发布虚假广告", "医疗、药品等广告是否经审查"]),
    ("JGJC-001", "明码标价和价格行为检查", "《中华人民共和国价格法》第十三条、第十四条；《明码标价和禁止价格欺诈规定》（市场监管总局令第56号）",
     "价格监督检查和反不正当竞争处", [], ["51", "52", "61", "62"], [],
     ["是否按规定明码标价", "是否存在价格欺诈", "是否在标价之外加价收取未予标明的费用"]),
    ("DJGL-001", "登记事项和公示信息检查", "《企业信息公示暂行条例》第十四条；《中华人民共和国市场主体登记管理条例实施细则》第六十六条",
     "登记注册处", [], [], [],
     ["住所或经营场所与登记是否一致", "年度报告公示信息是否真实", "是否通过登记的住所无法联系"]),
    ("JLJD-001", "强制检定计量器具使用检查", "《中华人民共和国计量法》第九条；《中华人民共和国计量法实施细则》第十一条",
     "计量处", [], ["51", "52", "62"], [],
     ["强检计量器具是否登记备案", "是否按期申请检定", "是否使用不合格或超期未检的计量器具"]),
    ("HZP-001", "化妆品经营者检查", "《化妆品监督管理条例》第三十八条、第五十九条",
     "药品化妆品监督管理处", [], ["51", "52"], [],
     ["是否建立进货查验记录制度", "是否经营未备案或未注册的化妆品", "是否经营超过使用期限的化妆品"]),
    ("YPJY-001", "药品零售企业检查", "《中华人民共和国药品管理法》第五十一条、第五十六条；《药品经营和使用质量监督管理办法》",
     "药品化妆品监督管理处", [], ["5251"], ["药品经营许可证"],
     ["执业药师是否在岗", "处方药是否凭处方销售", "药品储存温湿度是否符合要求"]),
    ("GPBZ-001", "商品过度包装检查", "《中华人民共和国固体废物污染环境防治法》第六十八条；GB 23350-2021《限制商品过度包装要求 食品和化妆品》",
     "产品质量安全监督管理处", [], ["14", "15", "52"], [],
     ["包装空隙率是否超过限量", "包装层数是否超过限量", "包装成本是否超过限量"]),
    ("WLJY-001", "网络交易经营者检查", "《中华人民共和国电子商务法》第十五条；《网络交易监督管理办法》（市场监管总局令第37号）第十二条",
     "网络交易监督管理处", [], ["51", "52"], [],
     ["是否在首页显著位置公示营业执照信息", "是否存在刷单炒信等虚假宣传", "是否落实七日无理由退货"]),
]  # fmt: skip

TITLES = ["日常监督检查", "投诉线索核查", "专项检查", "整改情况复查", "节前食品安全检查"]


def build(stdout) -> str | None:
    from .models import SupervisionItem, Task

    created_items = _items(SupervisionItem)
    if Task.objects.filter(source_ref=DEMO_REF).exists():
        return None if not created_items else f"  日常监管 supervision: {created_items} 个监管事项"
    tasks = _tasks()
    return (
        f"  日常监管 supervision: {SupervisionItem.objects.count()} 个监管事项 items, "
        f"{tasks} 件监管任务 tasks"
    )


def _items(model) -> int:
    existing = set(model.objects.values_list("code", flat=True))
    new = [
        model(
            code=code,
            name=name,
            legal_basis=basis,
            department=department,
            entity_kinds=kinds,
            industries=industries,
            licence_types=licences,
            checklist=[{"key": f"c{i}", "question": q} for i, q in enumerate(questions, 1)],
        )
        for code, name, basis, department, kinds, industries, licences, questions in ITEMS
        if code not in existing
    ]
    for item in new:
        item.save()  # a few rows: audited one by one like any edit
    return len(new)


def _tasks() -> int:
    from zhijian.core.demo import DEMO_USERS
    from zhijian.core.models import OrgUnit, User
    from zhijian.registry.models import Entity

    from . import services
    from .models import SupervisionItem, Task

    users = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
    needed = {"city", "pudong", "songjiang", "zhangjiang", "yexie"}
    if not needed <= set(users):
        return 0
    rng = random.Random(SEED)
    items = list(SupervisionItem.objects.filter(is_active=True))
    units = {code: OrgUnit.objects.get(code=code) for code in ("310000", "310115", "310117",
                                                                 "310115125", "310117120")}  # fmt: skip
    entities = {
        code: list(
            Entity.objects.filter(unit__path__startswith=unit.path, status=Entity.Status.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)[:400]
        )
        for code, unit in units.items()
    }
    # (station, its inspector, its district, the district officer)
    lines = [
        ("310115125", "zhangjiang", "310115", "pudong"),
        ("310117120", "yexie", "310117", "songjiang"),
    ]
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for index in range(DEMO_TASKS):
            station, inspector, district, officer = lines[index % 2]
            item = rng.choice(items)
            entity_ids = entities[station] or entities[district]
            task = _create(
                services, Task, units, users, rng, item, entity_ids, index, district, officer
            )
            _walk(services, task, rng, users, units, station, inspector, district, officer)
            made += 1
        _spread_dates(Task, rng, today)
    return made


def _create(services, Task, units, users, rng, item, entity_ids, index, district, officer):
    from zhijian.registry.models import Entity

    from_city = index % 10 == 0
    entity = Entity.objects.filter(pk=rng.choice(entity_ids)).first() if entity_ids else None
    return services.create_task(
        title=f"{rng.choice(TITLES)}：{item.name}",
        unit=units["310000"] if from_city else units[district],
        source=Task.Source.MANUAL,
        source_ref=DEMO_REF,
        item=item,
        entity=entity,
        due_days=rng.choice([5, 10, 15, 20]),
        due_basis=DUE_BASIS,
        created_by=users["city"] if from_city else users[officer],
    )


def _walk(services, task, rng, users, units, station, inspector, district, officer):
    """Move a new task along a realistic path; where it stops decides its final state."""
    stop = rng.choices(
        ["new", "at_station", "assigned", "in_progress", "done", "returned", "cancelled"],
        weights=[8, 14, 14, 18, 36, 5, 5],
    )[0]
    if task.unit.kind == "city":
        task = services.transition(task, "delegate", user=users["city"], to_unit=units[district])
    if stop == "new":
        return
    if stop == "cancelled":
        services.transition(task, "cancel", user=users[officer], note="任务重复下达，予以撤销")
        return
    task = services.transition(task, "delegate", user=users[officer], to_unit=units[station])
    if stop == "at_station":
        return
    task = services.transition(task, "claim", user=users[inspector])
    if stop == "assigned":
        return
    if stop == "returned":
        services.transition(task, "return", user=users[inspector], note="检查对象不在本所辖区")
        return
    task = services.transition(task, "start", user=users[inspector])
    if stop == "in_progress":
        return
    services.transition(task, "complete", user=users[inspector], note="现场检查未发现问题")


def _spread_dates(Task, rng, today) -> None:
    """Give the demo tasks creation dates over the last 90 days (one bulk update, one audit
    record), recomputing their due dates from those dates, so some are overdue."""
    from zhijian.audit.services import log

    from . import services
    from .models import TaskEvent

    tz = timezone.get_current_timezone()
    tasks = list(Task.objects.filter(source_ref=DEMO_REF))
    events = list(TaskEvent.objects.filter(task__source_ref=DEMO_REF).order_by("task_id", "id"))
    by_task: dict[int, list] = {}
    for event in events:
        by_task.setdefault(event.task_id, []).append(event)
    for task in tasks:
        start = today - dt.timedelta(days=rng.randint(0, 90))
        created = dt.datetime.combine(start, dt.time(9, rng.randint(0, 59)), tzinfo=tz)
        task.created_at = created
        task.due_on = services.compute_due(start, task.due_days, task.working_days)
        moment = created
        for event in by_task.get(task.pk, []):
            event.at = moment
            moment += dt.timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 5))
        if task.closed_at is not None:
            late = rng.random() < 0.2
            end = (
                (task.due_on + dt.timedelta(days=rng.randint(1, 5)))
                if late
                else min(task.due_on, today)
            )
            closed = dt.datetime.combine(max(end, start), dt.time(16, 30), tzinfo=tz)
            task.closed_at = min(closed, timezone.now())
        if task.is_open and task.due_on < today and rng.random() < 0.3:
            task.urged_at = created + dt.timedelta(days=(today - start).days)
    Task.objects.bulk_update(tasks, ["created_at", "due_on", "closed_at", "urged_at"], 500)
    TaskEvent.objects.bulk_update(events, ["at"], 500)
    log(
        "demo",
        object_type="supervision.task",
        object_repr="演示任务日期分布",
        detail={"tasks": len(tasks), "events": len(events), "days": 90},
    )

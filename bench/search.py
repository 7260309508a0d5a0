"""Entity search benchmark: p50/p95 per query kind (target p95 ≤ 100 ms).

Fills a fresh database with synthetic Shanghai-like entities (own fast generator: raw
executemany; realistic Chinese names, people and addresses, so that bigram selectivity is
realistic), then times ``search_entities`` as the search page and the API run it: the data
scope of a district user (then the city), the capped count and the first page (20 rows) in
the order ``search_entities`` chooses (exact/prefix/other then newest established; broad
queries newest registered first). The fill uses ``search.bulk_loading()``.

Query kinds (random, drawn from the generated data): 2-, 3- and 6-character name fragments,
USCC prefixes (4–10 characters), legal representative names and address fragments (3–6
characters).

    .venv/bin/python bench/search.py --entities 3400000 [--database-url URL] [--queries 50]
        [--keep] [--reuse PATH_OR_URL] [--fill-only]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import django_on_fresh_database  # noqa: E402

TARGET_MS = 100.0

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强文辉玉兰海燕春梅小红晓东俊杰子涵浩然欣怡梓轩宇航思远嘉怡雨萱佳琪晨曦"
BRAND = "鑫盛华泰恒瑞祥福德隆宏达聚源永康安信润丰嘉禾宝利金诚天成博远创新汇通锦程优品佳美乐康万家优选星辰晨光海纳百川东方明珠申江浦江黄浦长宁静安徐汇普陀虹口杨浦闵行宝山嘉定松江青浦奉贤崇明临港张江陆家嘴外滩"
INDUSTRY_WORDS = [
    "科技", "信息技术", "贸易", "实业", "餐饮管理", "建筑工程", "文化传媒", "电子商务",
    "物流", "医疗器械", "食品", "服饰", "汽车服务", "环保科技", "生物科技", "投资管理",
    "企业管理咨询", "装饰工程", "教育科技", "网络科技",
]  # fmt: skip
SHOPS = ["便利店", "小吃店", "五金店", "美发店", "水果店", "餐馆", "烟杂店", "服装店", "面馆"]
DISTRICTS = [
    ("310101", "黄浦区"), ("310104", "徐汇区"), ("310105", "长宁区"), ("310106", "静安区"),
    ("310107", "普陀区"), ("310109", "虹口区"), ("310110", "杨浦区"), ("310112", "闵行区"),
    ("310113", "宝山区"), ("310114", "嘉定区"), ("310115", "浦东新区"), ("310116", "金山区"),
    ("310117", "松江区"), ("310118", "青浦区"), ("310120", "奉贤区"), ("310151", "崇明区"),
]  # fmt: skip
ROAD_CHARS = "张江金科祖冲之碧波蔡伦郭守敬龙东川沙华夏世纪南京西北中山延安淮海长宁虹桥漕河泾宜山沪闵七莘浦星航头周浦康桥高桥外高桥杨高曹安嘉松沪太共和新"
ROAD_KINDS = ["路", "路", "路", "大道", "街", "公路"]
KINDS = ["私营企业"] * 6 + ["个体工商户"] * 3 + ["国有企业", "外资企业", "农民专业合作社"]
STATUSES = ["存续"] * 8 + ["注销", "吊销"]
INDUSTRIES = ["5191", "5291", "6510", "4890", "6211", "7212", "5221", "8111", "7520", "1469"]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def pick(rng, text, n):
    return "".join(rng.choice(text) for _ in range(n))


def person_name(rng):
    return rng.choice(SURNAMES) + pick(rng, GIVEN, rng.choice((1, 2, 2)))


def road(rng):
    return pick(rng, ROAD_CHARS, 2) + rng.choice(ROAD_KINDS)


def org_code(i: int) -> str:
    """9 characters of the USCC alphabet, unique per i (positions 9-17 of a USCC)."""
    out = []
    for _ in range(9):
        i, r = divmod(i, 31)
        out.append(USCC_CHARS[r])
    return "".join(reversed(out))


def entity_row(rng, i, units, today):
    code, district = rng.choice(DISTRICTS)
    kind = rng.choice(KINDS)
    brand = pick(rng, BRAND, 2)
    if kind == "个体工商户":
        name = f"{district}{brand}{rng.choice(SHOPS)}"
        body = f"92{code}{org_code(i)}"
    else:
        name = f"上海{brand}{rng.choice(INDUSTRY_WORDS)}有限公司"
        body = f"91{code}{org_code(i)}"
        if rng.random() < 0.3:  # a second brand character makes names more diverse
            name = f"上海{brand}{rng.choice(BRAND)}{rng.choice(INDUSTRY_WORDS)}有限公司"
    uscc = body + rng.choice(USCC_CHARS)
    address = f"上海市{district}{road(rng)}{rng.randint(1, 2999)}号"
    if rng.random() < 0.4:
        address += f"{rng.randint(1, 30)}层{rng.randint(1, 40):02d}室"
    unit_id = rng.choice(units[code]) if units.get(code) else units["*"][0]
    established = today - timedelta(days=rng.randint(0, 40 * 365))
    status = rng.choice(STATUSES)
    capital = None if kind == "个体工商户" else rng.choice((10, 50, 100, 500, 1000, 5000))
    return (
        i, "bench", now_text := "2026-11-22 00:00:00", now_text, unit_id, uscc, name, kind, "",
        status, established.isoformat(), capital, "CNY", person_name(rng), address, code,
        "", "address", "", rng.choice(INDUSTRIES), "", "",
    )  # fmt: skip


COLUMNS = (
    "id, source, created_at, updated_at, unit_id, uscc, name, kind, legal_form, status, "
    "established_on, registered_capital, currency, legal_rep_name, address, district_code, "
    "street_code, location_source, registration_authority, industry, business_scope, phone"
)


def fill(count: int, seed: int = 7) -> None:
    from django.db import connection, transaction

    from zhijian.core.models import OrgUnit
    from zhijian.registry.search import bulk_loading

    units: dict[str, list[int]] = {"*": [OrgUnit.objects.get(kind="city").pk]}
    for unit in OrgUnit.objects.exclude(kind="city"):
        units.setdefault(unit.code[:6], []).append(unit.pk)
    rng = random.Random(seed)
    today = date(2026, 11, 1)
    placeholders = ", ".join(["%s"] * len(COLUMNS.split(",")))
    sql = f"INSERT INTO registry_entity ({COLUMNS}) VALUES ({placeholders})"  # noqa: S608
    started = time.perf_counter()
    batch = 20000
    with bulk_loading():  # the search index is rebuilt once at the end (search.py)
        for start in range(1, count + 1, batch):
            rows = [
                entity_row(rng, i, units, today)
                for i in range(start, min(count + 1, start + batch))
            ]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            done = start + len(rows) - 1
            if done % 200000 < batch:
                rate = done / (time.perf_counter() - started)
                print(f"  {done:,} entities ({rate:,.0f}/s)", flush=True)
        print(f"  inserted in {time.perf_counter() - started:.0f} s; rebuilding the index")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            # The rows carry their ids: move the sequence past them for later inserts.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('registry_entity', 'id'), "
                "(SELECT max(id) FROM registry_entity))"
            )
            cursor.execute("ANALYZE registry_entity")
    print(f"filled {count:,} entities in {time.perf_counter() - started:.0f} s", flush=True)


def sample_queries(n: int, seed: int = 11) -> dict[str, list[str]]:
    from zhijian.registry.models import Entity

    rng = random.Random(seed)
    top = Entity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = [rng.randint(1, top) for _ in range(n * 3)]
    rows = list(
        Entity.objects.filter(pk__in=ids).values_list("name", "uscc", "legal_rep_name", "address")
    )
    rng.shuffle(rows)

    def fragment(text, k):
        if len(text) < k:
            return text
        start = rng.randint(0, len(text) - k)
        return text[start : start + k]

    kinds = {
        "name-2": [fragment(r[0], 2) for r in rows[:n]],
        "name-3": [fragment(r[0], 3) for r in rows[:n]],
        "name-6": [fragment(r[0], 6) for r in rows[:n]],
        "uscc-prefix": [r[1][: rng.randint(4, 10)] for r in rows[:n]],
        "legal-rep": [r[2] for r in rows[:n]],
        "address": [fragment(r[3][3:], rng.randint(3, 6)) for r in rows[:n]],
    }
    return kinds


def run_queries(kinds, user, page_size=20) -> None:
    from django.core.paginator import Paginator

    from zhijian.registry.models import Entity
    from zhijian.registry.search import CappedPaginator, search_entities

    assert issubclass(CappedPaginator, Paginator)
    print(f"\nscope: {user.unit.name}; first page of {page_size} + capped count")
    print(f"{'kind':<12} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>7}  hits")
    for kind, queries in kinds.items():
        times, hits = [], []
        for q in queries:
            started = time.perf_counter()
            qs = search_entities(Entity.objects.visible_to(user), q, user=user)
            paginator = CappedPaginator(qs.only("pk", "uscc", "name"), page_size)
            page = paginator.page(1)
            list(page.object_list)
            times.append((time.perf_counter() - started) * 1000)
            hits.append(paginator.count)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        ok = "OK" if p95 <= TARGET_MS else "SLOW"
        print(
            f"{kind:<12} {len(times):>4} {statistics.median(times):>8.1f} {p95:>8.1f} "
            f"{times[-1]:>8.1f} {ok:>7}  median {statistics.median(hits):,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", default="", help="an already filled database URL")
    parser.add_argument("--fill-only", action="store_true", help="fill (with --keep), no queries")
    args = parser.parse_args()

    url, cleanup, new = django_on_fresh_database(
        args.database_url, args.reuse, args.keep, "zhijian-bench-search-"
    )
    from zhijian.core import context, services
    from zhijian.core.models import OrgUnit, User

    try:
        with context.acting_as(context.cli_context()):
            if new:
                print(f"database {url}; filling {args.entities:,} entities", flush=True)
                fill(args.entities)
            if args.fill_only:
                return
            district = OrgUnit.objects.get(code="310115")
            user = User.objects.filter(username="bench_search").first()
            if user is None:
                user, _ = services.create_user(
                    username="bench_search", unit=district, roles=[], password="Bench-Passw0rd!"
                )
        from django.db import connection

        print(f"vendor {connection.vendor}")
        kinds = sample_queries(args.queries)
        run_queries(kinds, user)  # warm-up pass of the caches is part of the figures
        run_queries(kinds, user)
        city = User.objects.filter(username="bench_city").first()
        if city is None:
            with context.acting_as(context.cli_context()):
                city, _ = services.create_user(
                    username="bench_city",
                    unit=OrgUnit.objects.get(kind="city"),
                    roles=[],
                    password="Bench-Passw0rd!",
                )
        run_queries(kinds, city)
    finally:
        cleanup()


if __name__ == "__main__":
    main()

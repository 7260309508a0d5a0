"""Entity file page benchmark: p95 of GET /entities/<uscc>/ (target ≤ 200 ms).

Fills a fresh database with background entities (bench/search.py's generator) and a few
hundred entities with related records (people, licences, annual reports, inspections,
penalties, complaints, samplings, credit listings; shared legal representatives and
addresses), then requests their entity file through the full Django stack (middleware,
session, template) as a district user.

    .venv/bin/python bench/entity_page.py [--entities 300] [--background 200000]
        [--database-url URL] [--reuse URL]
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

TARGET_MS = 200.0


def make_files(count: int, seed: int = 5) -> list[str]:
    from django.db import transaction

    from zhijian.core.models import OrgUnit
    from zhijian.registry import models as m

    rng = random.Random(seed)
    stations = list(OrgUnit.objects.filter(kind="station", code__startswith="310115"))
    usccs = []
    start = (m.Entity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    people = [
        m.Person(id_number=f"3101151980{i:04d}123X"[:18], name=f"法人{i}") for i in range(count)
    ]
    with transaction.atomic():
        m.Person.objects.bulk_create(people)
        people = list(m.Person.objects.order_by("pk"))
        for n in range(count):
            unit = rng.choice(stations)
            body = f"91310115X{start + n:08d}"
            person = people[n // 3]  # every legal representative leads three entities
            entity = m.Entity.objects.create(
                uscc=body + "0", name=f"上海档案样本{n}号科技有限公司", kind="私营企业",
                status="存续", established_on=date(2010, 1, 1) + timedelta(days=n),
                legal_rep_name=person.name, legal_rep=person,
                address=f"上海市浦东新区样本路{n // 4}号", district_code="310115", unit=unit,
                phone="13812345678",
            )  # fmt: skip
            usccs.append(entity.uscc)
            common = {"entity": entity, "unit": unit}
            m.EntityPerson.objects.bulk_create(
                [m.EntityPerson(person=person, role="法定代表人", **common)]
                + [m.EntityPerson(person=p, role="股东", **common) for p in rng.sample(people, 3)]
            )
            d0 = date(2015, 1, 1)
            m.Licence.objects.bulk_create(
                m.Licence(number=f"L{n}-{i}", licence_type="食品经营许可证", issuer="区局",
                          issued_on=d0 + timedelta(days=300 * i),
                          valid_until=d0 + timedelta(days=300 * i + 1800), status="有效", **common)
                for i in range(5)
            )  # fmt: skip
            m.AnnualReport.objects.bulk_create(
                m.AnnualReport(year=y, filed_on=date(y + 1, 5, 1), revenue=100, **common)
                for y in range(2015, 2025)
            )
            m.InspectionRecord.objects.bulk_create(
                m.InspectionRecord(number=f"I{n}-{i}", inspected_on=d0 + timedelta(days=70 * i),
                                   method="日常检查", authority="所", outcome="未发现问题",
                                   **common)
                for i in range(30)
            )  # fmt: skip
            m.PenaltyRecord.objects.bulk_create(
                m.PenaltyRecord(number=f"P{n}-{i}", party=entity.name, violation="虚假宣传",
                                measures="罚款", decided_on=d0 + timedelta(days=500 * i),
                                authority="区局", **common)
                for i in range(3)
            )  # fmt: skip
            m.ComplaintRecord.objects.bulk_create(
                m.ComplaintRecord(number=f"C{n}-{i}", kind="投诉",
                                  received_at=f"2024-0{1 + i % 9}-01T10:00:00+08:00",
                                  respondent_name=entity.name, claimant_name="孙小美",
                                  text="内容", **common)
                for i in range(8)
            )  # fmt: skip
            m.Sampling.objects.bulk_create(
                m.Sampling(number=f"S{n}-{i}", category="食品", product="面包",
                           sampled_on=d0 + timedelta(days=200 * i), result="合格", **common)
                for i in range(6)
            )  # fmt: skip
            m.CreditListing.objects.create(
                list_type="经营异常名录", reason="未按时年报", listed_on="2021-07-01",
                removed_on="2021-09-01", authority="区局", **common,
            )  # fmt: skip
    return usccs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=300)
    parser.add_argument("--background", type=int, default=200_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--reuse", default="", help="a database filled by bench/search.py")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url, cleanup, new = django_on_fresh_database(
        args.database_url, args.reuse, args.keep, "zhijian-bench-page-"
    )
    from django.contrib.auth.models import Permission
    from django.test import Client
    from search import fill  # bench/search.py

    from zhijian.core import context, services
    from zhijian.core.models import OrgUnit, Role

    try:
        with context.acting_as(context.cli_context()):
            if new:
                fill(args.background)
            print(f"creating {args.entities} entity files", flush=True)
            usccs = make_files(args.entities)
            role, _ = Role.objects.get_or_create(code="bench_viewer", defaults={"name": "bench"})
            role.permissions.set(Permission.objects.filter(content_type__app_label="registry"))
            user, _ = services.create_user(
                username=f"bench_page_{os.getpid()}",
                unit=OrgUnit.objects.get(code="310115"),
                roles=[],
                password="Bench-Passw0rd!",
                must_change_password=False,
            )
            user.groups.add(role)
        client = Client()
        client.force_login(user)
        for path in ("/entities/{}/", "/api/v1/entities/{}/"):
            times = []
            for uscc in usccs:
                started = time.perf_counter()
                response = client.get(path.format(uscc))
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            print(
                f"{path:<24} n={len(times)} p50 {statistics.median(times):.1f} ms  "
                f"p95 {p95:.1f} ms  max {times[-1]:.1f} ms  target {TARGET_MS:.0f} ms  "
                f"{'OK' if p95 <= TARGET_MS else 'SLOW'}"
            )
    finally:
        cleanup()


if __name__ == "__main__":
    main()

"""Python implementations of address rules (``implementation: {python: "module:function"}``).

``one_address_many_entities`` (一地多照): at least ``min_entities`` live (存续) entities
registered at one normalised address (``addresses.key``: district + building, see
``zhijian/rules/addresses.py``). One warning per entity of such a group, keyed
``address:<normalised address>``; its evidence lists the entities at the address.

How it runs on millions of entities without holding them in memory:

1. Every entity's (id, address, district code, status) is read in id order, in pages of
   ``PAGE`` rows (keyset pagination on the primary key: bounded memory on SQLite and on
   PostgreSQL, whose ordinary cursor would otherwise fetch the whole result at once). The
   status is tested in Python so that every page is a plain primary-key range scan. Each
   live entity's key is hashed; only (hash, id) pairs are kept, in ``array('q')`` buckets
   (16 bytes an entity, no Python object per entity).
2. Each bucket is sorted and hashes occurring at least ``min_entities`` times are kept.
3. The entities of those hashes are read again by id with the evidence columns; their keys
   are computed again and grouped exactly (a hash collision cannot merge two addresses),
   and groups below the threshold are dropped.

Evidence: for each warned entity, one row per entity of its group (uscc, name, address as
registered, registration authority, status, and ``live_entities``, the size of the group),
ordered by USCC. The engine stores the first 20 and counts the rows; for a group larger than
``EVIDENCE_MEMBERS`` only that many rows are yielded per warned entity (the rows are
n × n otherwise), so the stored count stops at ``EVIDENCE_MEMBERS`` while ``live_entities``
gives the true size.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

from django.db import connection

from . import addresses

LIVE = "存续"
PAGE = 20_000
BUCKETS = 256
IN_BATCH = 500
EVIDENCE_MEMBERS = 200


def _live_hashes() -> tuple[list[array], list[array]]:
    """(hash buckets, id buckets): for each live entity with an address, hash(key) and id."""
    hashes = [array("q") for _ in range(BUCKETS)]
    ids = [array("q") for _ in range(BUCKETS)]
    key = addresses.key
    mask = BUCKETS - 1
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, address, district_code, status FROM registry_entity "
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last, PAGE],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            for pk, address, district, status in rows:
                if status != LIVE:
                    continue
                k = key(address, district)
                if not k:
                    continue
                h = hash(k)
                hashes[h & mask].append(h)
                ids[h & mask].append(pk)
            if len(rows) < PAGE:
                break
    return hashes, ids


def _candidate_ids(threshold: int) -> list[int]:
    """Ids of the live entities whose key's hash occurs at least ``threshold`` times."""
    hashes, ids = _live_hashes()
    found: list[int] = []
    for bucket_hashes, bucket_ids in zip(hashes, ids, strict=True):
        if len(bucket_hashes) < threshold:
            continue
        hot = set()
        ordered = sorted(bucket_hashes)
        start = 0
        for i in range(1, len(ordered) + 1):
            if i == len(ordered) or ordered[i] != ordered[start]:
                if i - start >= threshold:
                    hot.add(ordered[start])
                start = i
        if hot:
            found.extend(pk for h, pk in zip(bucket_hashes, bucket_ids, strict=True) if h in hot)
    found.sort()
    return found


def address_groups(threshold: int) -> list[tuple[str, list[tuple]]]:
    """[(key, members)] of the addresses with at least ``threshold`` live entities; members
    are (id, uscc, name, address, registration_authority, status), ordered by USCC; groups
    in the order of their first entity's id."""
    threshold = max(threshold, 1)
    ids = _candidate_ids(threshold)
    groups: dict[str, list[tuple]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), IN_BATCH):
            batch = ids[start : start + IN_BATCH]
            cursor.execute(
                "SELECT id, address, district_code, uscc, name, registration_authority, status "  # noqa: S608
                f"FROM registry_entity WHERE id IN ({', '.join(['%s'] * len(batch))}) ORDER BY id",
                batch,
            )
            for pk, address, district, uscc, name, authority, status in cursor.fetchall():
                if status != LIVE:
                    continue
                k = addresses.key(address, district)
                if k:
                    groups.setdefault(k, []).append((pk, uscc, name, address, authority, status))
    out = []
    for k, members in groups.items():
        if len(members) >= threshold:
            members.sort(key=lambda m: m[1])
            out.append((k, members))
    out.sort(key=lambda group: min(m[0] for m in group[1]))
    return out


def one_address_many_entities(rule, as_of, params) -> Iterator[dict]:
    """Rows of 一地多照: for each entity at a crowded address, one row per entity there.
    Approved central registration addresses (集中登记地, the parameter ``excluded_addresses``)
    are left out, compared by their normalised key."""
    excluded = {addresses.key(a) for a in params.get("excluded_addresses") or []} - {""}
    for k, members in address_groups(int(params["min_entities"])):
        if k in excluded:
            continue
        size = len(members)
        evidence = [
            {"uscc": uscc, "name": name, "address": address, "registration_authority": authority,
             "status": status, "live_entities": size}
            for _pk, uscc, name, address, authority, status in members[:EVIDENCE_MEMBERS]
        ]  # fmt: skip
        group_key = f"address:{k}"
        for pk in sorted(m[0] for m in members):
            for row in evidence:
                yield {"entity_id": pk, "key": group_key, **row}

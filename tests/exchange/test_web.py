"""The batch API, the upload page, the feedback pages and the data scope of batches."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zhijian.core.models import Role
from zhijian.exchange import services
from zhijian.exchange.models import ImportBatch
from zhijian.registry.models import Entity

from .conftest import entity_row, make_uscc, write_csv


@pytest.fixture
def importer_role(db):
    role = Role.objects.create(code="exchange_test", name="测试：导入")
    role.permissions.set(
        Permission.objects.filter(
            content_type__app_label="exchange", codename__in=["import_data", "view_importbatch"]
        )
    )
    return role


@pytest.fixture
def clerk(org, make_user, importer_role):
    user = make_user("clerk", org["pudong"])
    user.groups.add(importer_role)
    return user


@pytest.fixture
def client_for(clerk):
    client = Client()
    client.force_login(clerk)
    return client


@pytest.fixture(autouse=True)
def inline_imports(settings, tmp_path):
    settings.EXCHANGE_IMPORT_INLINE = True
    settings.MEDIA_ROOT = tmp_path / "media"


def test_api_json_rows(client_for):
    good = make_uscc()
    rows = [
        {"uscc": good, "name": "甲公司", "kind": "私营企业", "status": "存续",
         "established_on": "2020-01-01", "legal_rep_name": "张三",
         "address": "上海市浦东新区张江镇祖冲之路1号", "registered_capital": 10.5},
        {"uscc": "bad", "name": "乙", "kind": "私营企业", "status": "存续",
         "established_on": "2020-01-01", "legal_rep_name": "李四", "address": "x"},
    ]  # fmt: skip
    response = client_for.post(
        "/api/v1/exchange/entities/", {"rows": rows, "source": "区税务局"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["accepted"], data["rejected"], data["source"]) == (1, 1, "区税务局")
    assert (
        data["rejections"][0]["row"] == 2 and data["rejections"][0]["column"] == "统一社会信用代码"
    )
    assert data["error_report"].endswith("/errors.xlsx")
    assert Entity.objects.get(uscc=good).registered_capital == 10.5


def test_api_file_upload_and_errors(client_for, tmp_path):
    path = write_csv(tmp_path / "e.csv", [entity_row(make_uscc())])
    with path.open("rb") as f:
        response = client_for.post("/api/v1/exchange/entities/", {"file": f, "source": "公安"})
    assert response.status_code == 200 and response.json()["accepted"] == 1
    empty = SimpleUploadedFile("e.csv", b"", content_type="text/csv")
    response = client_for.post("/api/v1/exchange/entities/", {"file": empty})
    assert response.status_code == 400 and "文件为空" in response.json()["message"]
    assert client_for.post("/api/v1/exchange/nosuch/", {}).status_code == 404
    assert client_for.post("/api/v1/exchange/entities/", {}).status_code == 400
    response = client_for.post(
        "/api/v1/exchange/entities/", {"rows": []}, content_type="application/json"
    )
    assert response.status_code == 400
    listing = client_for.get("/api/v1/exchange/batches/").json()
    assert listing["count"] == 3


def test_api_needs_the_import_permission(org, make_user):
    client = Client()
    client.force_login(make_user("nobody", org["pudong"]))
    assert client.post("/api/v1/exchange/entities/", {}).status_code == 403
    assert client.get("/api/v1/exchange/batches/").status_code == 403


def test_upload_page_runs_the_import_and_shows_feedback(client_for, tmp_path):
    assert client_for.get("/exchange/upload/").status_code == 200
    rows = [entity_row(make_uscc()), entity_row(make_uscc(), 登记状态="注销")]
    path = write_csv(tmp_path / "e.csv", rows)
    with path.open("rb") as f:
        response = client_for.post(
            "/exchange/upload/", {"table": "entities", "source": "区税务局", "file": f}
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/exchange/batches/{batch.pk}/"
    page = client_for.get(response.url).content.decode()
    assert "登记状态为注销时必须填写注销日期" in page and "batch.js" in page
    status = client_for.get(f"/exchange/batches/{batch.pk}/status/").json()
    assert (status["status"], status["accepted"], status["rejected"], status["percent"]) == (
        "done", 1, 1, 100,
    )  # fmt: skip
    report = client_for.get(f"/exchange/batches/{batch.pk}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert sheet.max_row == 2 and sheet.cell(1, sheet.max_column - 1).value == "错误原因"
    listing = client_for.get("/exchange/?source=税务").content.decode()
    assert "e.csv" in listing
    assert client_for.post("/exchange/upload/", {}).status_code == 200  # form errors


def test_batches_are_scoped_to_the_importing_unit(org, make_user, importer_role, tmp_path):
    pudong = make_user("pd", org["pudong"])
    songjiang = make_user("sj", org["songjiang"])
    for user in (pudong, songjiang):
        user.groups.add(importer_role)
    path = write_csv(tmp_path / "e.csv", [entity_row(make_uscc())])
    mine = services.import_file("entities", path, user=pudong)
    theirs = services.import_file("entities", path, user=songjiang)
    client = Client()
    client.force_login(pudong)
    assert client.get(f"/exchange/batches/{mine.pk}/").status_code == 200
    for url in ("/exchange/batches/{}/", "/exchange/batches/{}/status/",
                "/exchange/batches/{}/errors.xlsx", "/api/v1/exchange/batches/{}/"):  # fmt: skip
        assert client.get(url.format(theirs.pk)).status_code == 404
    assert client.get("/api/v1/exchange/batches/").json()["count"] == 1
    assert [b.pk for b in ImportBatch.objects.visible_to(org["city"] and pudong)] == [mine.pk]

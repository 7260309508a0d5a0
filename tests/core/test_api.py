"""The REST API: OpenAPI schema and docs served locally, permissions, masking, pagination."""

import pytest

from zhijian.core import roles


@pytest.fixture
def officer(org, make_user):
    return make_user("officer", org["pudong"], [roles.DISTRICT_OFFICER], mobile="13812345678")


def test_api_needs_sign_in(client, org):
    assert client.get("/api/v1/units/").status_code == 403


def test_units_are_paginated_and_scoped(client, officer):
    client.force_login(officer)
    data = client.get("/api/v1/units/?page_size=2").json()
    assert data["count"] == 3  # 浦东 and its two stations
    assert len(data["results"]) == 2
    assert {u["code"] for u in data["results"]} <= {"310115", "310115016", "310115125"}


def test_reading_needs_the_view_permission(client, org, make_user):
    inspector = make_user("insp", org["zhangjiang"], [roles.STATION_INSPECTOR])
    client.force_login(inspector)
    assert client.get("/api/v1/users/").status_code == 403  # inspectors cannot list accounts
    assert client.get("/api/v1/units/").status_code == 200


def test_openapi_schema_and_docs_need_no_cdn(client, officer):
    client.force_login(officer)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/units/" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower() and "jsdelivr" not in docs.lower()


def test_filter_choices_stay_scoped_after_schema_generation(client, org, officer):
    """The schema generator touches the class-level filters; choices must still be per user."""
    client.force_login(officer)
    assert client.get("/api/v1/schema/").status_code == 200
    page = client.get("/users/").content.decode()
    assert "浦东新区市场监督管理局" in page
    assert "松江区市场监督管理局" not in page
    assert client.get("/api/v1/users/", {"unit": org["songjiang"].pk}).status_code == 400
    # The entity filter's district choices are built per user (its class-level list is empty).
    assert client.get("/api/v1/entities/", {"district": "310115"}).status_code == 200
    assert client.get("/api/v1/entities/", {"district": "310117"}).status_code == 400

"""On a phone: an inspector records an inspection, the network drops, the submission is kept
on the phone, the network returns, it is sent once, and the published result is public."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_shell import sign_in
from zhijian.inspections import services
from zhijian.inspections.models import Inspection
from zhijian.registry.models import InspectionRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png(width=64, height=48) -> bytes:
    """A real PNG (a blue block), so that the detail page shows a picture."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x2c\x6a\xc4" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))  # fmt: skip


def test_offline_submission_is_kept_sent_once_and_published(
    live_server, phone, desktop, people, task
):
    page = phone
    sign_in(page, live_server.url, "zhang")
    page.wait_for_selector("[data-testid=todo-count]")
    page.goto(f"{live_server.url}/inspections/m/")
    page.wait_for_selector("[data-testid=my-tasks]")
    assert task.entity.name in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"my tasks is wider than the phone: {width}px"
    screenshot(page, "inspections-my-tasks-phone")

    page.click(f"[data-testid=record-{task.pk}]")
    page.wait_for_selector("#record-form")
    page.wait_for_load_state("load")
    page.check(f"input[name=inspectors][value='{people['zhang2'].pk}']")
    page.check("input[name=answer_licence][value=conforming]")
    page.check("input[name=answer_health][value=nonconforming]")
    page.fill("input[name=remark_health]", "一名员工健康证过期")
    page.select_option("#id_outcome", "发现问题已责令整改")
    page.fill("#id_findings", "一名员工健康证明过期")
    page.fill("#id_findings_count", "1")
    page.fill("#id_rectification_order", "五个工作日内办理健康证明")
    page.set_input_files(
        "#id_photos", files=[{"name": "site.png", "mimeType": "image/png", "buffer": png()}]
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the recording form is wider than the phone: {width}px"
    screenshot(page, "inspections-record-phone")
    client_uuid = page.get_attribute("input[name=client_uuid]", "value")

    page.context.set_offline(True)
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=submit-status]:has-text('已保存在本机')")
    assert page.inner_text("[data-testid=outbox-count]") == "1"
    assert not Inspection.objects.exists()
    screenshot(page, "inspections-offline-kept-phone")

    page.context.set_offline(False)
    page.wait_for_selector("[data-testid=submit-status]:has-text('检查已提交')", timeout=30_000)
    screenshot(page, "inspections-sent-phone")
    inspection = Inspection.objects.get()
    assert str(inspection.client_uuid) == client_uuid
    assert inspection.photos.count() == 1 and inspection.rectification.order.startswith("五个")
    task.refresh_from_db()
    assert task.state == "done"

    # Another page load flushes the (now empty) outbox: nothing is sent twice.
    page.goto(f"{live_server.url}/inspections/m/")
    page.wait_for_load_state("networkidle")
    assert page.is_hidden("[data-testid=outbox]")
    assert Inspection.objects.count() == 1 and InspectionRecord.objects.count() == 1

    # The district officer sees it among the results to publish and publishes it.
    sign_in(desktop, live_server.url, "pudong")
    desktop.wait_for_selector("[data-testid=todo-count]")
    desktop.goto(f"{live_server.url}/inspections/publication/")
    desktop.wait_for_selector(f"text={inspection.number}")
    screenshot(desktop, "inspections-to-publish-desktop")
    desktop.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    desktop.on("dialog", lambda dialog: dialog.accept())
    desktop.click("[data-testid=publish]")
    desktop.wait_for_selector("text=检查结果已公示。")
    inspection.refresh_from_db()
    assert inspection.published_on == services.today()

    page.goto(f"{live_server.url}/inspections/public/?q={task.entity.uscc}")
    page.wait_for_selector("[data-testid=public-results]")
    text = page.inner_text("[data-testid=public-results]")
    assert task.entity.name in text and "发现问题已责令整改" in text and "整改中" in text
    screenshot(page, "inspections-public-phone")

    desktop.wait_for_selector("#rectification")
    screenshot(desktop, "inspections-detail-desktop")
    desktop.goto(f"{live_server.url}/inspections/public/{inspection.number}/")
    assert "张**" in desktop.content() and "张所员" not in desktop.content()
    screenshot(desktop, "inspections-public-detail-desktop")


def test_a_refused_submission_shows_the_reasons_in_the_form(live_server, phone, people, task):
    page = phone
    sign_in(page, live_server.url, "zhang")
    page.wait_for_selector("[data-testid=todo-count]")
    page.goto(f"{live_server.url}/inspections/m/record/?task={task.pk}")
    page.wait_for_load_state("load")
    page.check("input[name=answer_licence][value=conforming]")
    page.select_option("#id_outcome", "未发现问题")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-field=inspectors] .error")
    assert "现场检查的执法人员不得少于2人，当前1人。" in page.inner_text("[data-field=inspectors]")
    assert "请回答检查要点" in page.inner_text("[data-field=answer_health]")
    assert "提交未通过校验" in page.inner_text("[data-testid=submit-status]")
    assert page.is_hidden("[data-testid=outbox]")  # refused, so nothing waits on the phone
    screenshot(page, "inspections-refused-phone")
    assert not Inspection.objects.exists()
    page.check(f"input[name=inspectors][value='{people['zhang2'].pk}']")
    page.check("input[name=answer_health][value=conforming]")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=submit-status]:has-text('检查已提交')")
    assert Inspection.objects.count() == 1

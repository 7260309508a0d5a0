"""Helpers of the audit tests: the records written since a mark, running the command."""

from __future__ import annotations

import io

from django.core.management import call_command

from zhijian.audit.models import AuditChainHead, AuditRecord


def head_seq() -> int:
    head = AuditChainHead.objects.filter(pk=1).first()
    return head.last_seq if head else 0


def records_since(mark: int, **filters):
    return list(AuditRecord.objects.filter(seq__gt=mark, **filters).order_by("seq"))


def run_audit(*args) -> tuple[int, str, str]:
    """Run ``zhijian audit …``; returns (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()

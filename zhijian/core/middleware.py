"""Request middleware: actor context, forced password change, security headers."""

from __future__ import annotations

import time

from django.shortcuts import redirect
from django.urls import reverse

from . import context


def client_ip(request) -> str:
    """The client address (django-axes' ipware settings decide about proxies)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or ""


class RequestContextMiddleware:
    """Sets the actor context (user, unit, address) that audit records read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.context_for_user(
                getattr(request, "user", None), ip=client_ip(request), channel=channel
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class IdleSessionMiddleware:
    """Idle expiry: each request of a signed-in user pushes the session's expiry to
    SESSION_COOKIE_AGE from now, rewriting the session at most every SESSION_REFRESH_INTERVAL
    seconds (so a session ends between 29 and 30 idle minutes, without a write per request)."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_INTERVAL:
                session[self.KEY] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """An account created or reset by an administrator must change its password first."""

    ALLOWED_NAMES = ("core:password_change", "core:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED_NAMES}
            if request.path not in allowed and not request.path.startswith("/static/"):
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse({"detail": "请先修改初始密码。"}, status=403)
                return redirect("core:password_change")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and related headers: all assets come from the platform itself."""

    CSP = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/v1/docs"):
            response.headers.setdefault("Content-Security-Policy", self.CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self)")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

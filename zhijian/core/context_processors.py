from django.conf import settings


def platform(request):
    from .navigation import menu_for

    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "nav_menu": menu_for(user) if user is not None and user.is_authenticated else [],
    }

"""Logging in and out, and the portal only logged-in users see."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accounts import throttle
from accounts.forms import LoginForm


@method_decorator(never_cache, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        """A client past its failed logins gets 429 before any password is hashed."""
        if throttle.blocked(request):
            window = settings.LOGIN_FAILURE_WINDOW
            response = render(request, "accounts/too_many.html", {"seconds": window}, status=429)
            response["Retry-After"] = str(window)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.failed(self.request)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Logout by POST only (Django's own rule since 5.0)."""


@never_cache
@login_required
def portal(request):
    return render(request, "accounts/portal.html")

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from rectification.views import account

admin.site.site_header = "巡察整改管理 · 系统管理"
admin.site.site_title = "巡察整改管理"

urlpatterns = [
    path("accounts/login/", account.LoginView.as_view(), name="login"),
    path("accounts/login/unified-refused/", account.unified_login_refused, name="unified_login_refused"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/", account.otp_verify, name="otp_verify"),
    path("accounts/second-factor/setup/", account.otp_setup, name="otp_setup"),
    path("accounts/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Unified login (OpenID Connect): off to the provider, and back (mozilla-django-oidc).
    path("oidc/authenticate/", account.UnifiedLoginStart.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", account.UnifiedLoginCallback.as_view(), name="oidc_authentication_callback"),
    # The work platform's web login (粤政易 / 政务微信, 企业微信-compatible): an adapter of it.
    path("accounts/work-login/", account.work_login_start, name="work_login_start"),
    path("accounts/work-login/callback/", account.work_login_callback, name="work_login_callback"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("rectification.urls")),
]

# Error pages in the app's frame and language; the 500 works without the database (a lost
# connection is a 503, not a traceback).
handler400 = "rectification.views.errors.bad_request"
handler403 = "rectification.views.errors.permission_denied"
handler404 = "rectification.views.errors.page_not_found"
handler500 = "rectification.views.errors.server_error"

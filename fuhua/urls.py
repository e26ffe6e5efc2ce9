from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

admin.site.site_header = "巡察整改管理 · 系统管理"
admin.site.site_title = "巡察整改管理"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
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

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from paygate import views
from paygate.lib.ratelimits import rate_limit
from portal.views.tools import request_bin_receive

# The admin login is a password form like any other: same limit as the API and portal logins.
admin.site.login = rate_limit(group="admin-login", rate="RATELIMIT_LOGIN")(admin.site.login)
admin.site.site_header = "PayGate administration"
admin.site.site_title = "PayGate admin"
admin.site.index_template = "admin/paygate_index.html"  # links to the ops console

api_v1 = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("", include("merchants.urls")),
    path("", include("payments.urls")),
    path("", include("analytics.urls")),
    path("", include("webhooks.urls")),
    path("", include("checkout.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("portal/", include("portal.urls")),
    path("bin/<str:token>/", request_bin_receive, name="request-bin"),
    path("", include("checkout.urls")),
    path("ops/", include("ops.urls")),
    path("admin/", admin.site.urls),
    path("paygate/api/v1/", include(api_v1)),
    path("paygate/api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("paygate/api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("paygate/api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler404 = "paygate.views.not_found"
handler500 = "paygate.views.server_error"

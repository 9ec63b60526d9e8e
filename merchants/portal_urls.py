from django.contrib.auth import views as auth_views
from django.urls import path

from paygate.lib.ratelimits import rate_limit

app_name = "portal-auth"

urlpatterns = [
    path(
        "login/",
        rate_limit(group="portal-login", rate="RATELIMIT_LOGIN")(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

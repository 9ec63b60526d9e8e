from django.urls import path
from rest_framework.routers import SimpleRouter

from webhooks import api

app_name = "webhooks"

router = SimpleRouter()
router.register("deliveries", api.DeliveryViewSet, basename="deliveries")

endpoint = api.WebhookSettingsViewSet

urlpatterns = [
    path("", endpoint.as_view({"get": "retrieve", "put": "update"}), name="webhooks-settings"),
    path("test/", endpoint.as_view({"post": "test"}), name="webhooks-test"),
    path("rotate-secret/", endpoint.as_view({"post": "rotate_secret"}), name="webhooks-rotate-secret"),
    *router.urls,
]

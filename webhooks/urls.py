from django.urls import path
from rest_framework.routers import SimpleRouter

from webhooks import api

app_name = "webhooks"

router = SimpleRouter()
router.register("events", api.EventViewSet, basename="events")
router.register("webhooks/deliveries", api.DeliveryViewSet, basename="deliveries")

endpoint = api.WebhookSettingsViewSet

urlpatterns = [
    path("webhooks/", endpoint.as_view({"get": "retrieve", "put": "update"}), name="webhooks-settings"),
    path("webhooks/test/", endpoint.as_view({"post": "test"}), name="webhooks-test"),
    path("webhooks/rotate-secret/", endpoint.as_view({"post": "rotate_secret"}), name="webhooks-rotate-secret"),
    *router.urls,
]

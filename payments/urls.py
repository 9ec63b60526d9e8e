from django.urls import path
from rest_framework.routers import SimpleRouter

from payments import api

app_name = "payments"

router = SimpleRouter()
router.register("orders", api.OrderViewSet, basename="orders")
router.register("payments", api.PaymentViewSet, basename="payments")
router.register("refunds", api.RefundViewSet, basename="refunds")
router.register("ledger", api.LedgerViewSet, basename="ledger")
router.register("payouts", api.PayoutViewSet, basename="payouts")

urlpatterns = [path("balance/", api.BalanceView.as_view(), name="balance"), *router.urls]

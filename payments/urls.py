from django.urls import path
from rest_framework.routers import SimpleRouter

from payments import api, catalog_api

app_name = "payments"

router = SimpleRouter()
router.register("orders", api.OrderViewSet, basename="orders")
router.register("payments", api.PaymentViewSet, basename="payments")
router.register("refunds", api.RefundViewSet, basename="refunds")
router.register("ledger", api.LedgerViewSet, basename="ledger")
router.register("payouts", api.PayoutViewSet, basename="payouts")
router.register("products", catalog_api.ProductViewSet, basename="products")
router.register("payment-links", catalog_api.PaymentLinkViewSet, basename="payment-links")

urlpatterns = [path("balance/", api.BalanceView.as_view(), name="balance"), *router.urls]

from django.urls import path

from checkout import api

app_name = "checkout-api"

urlpatterns = [
    path("checkout/orders/<str:order_id>/", api.CheckoutOrderView.as_view(), name="order"),
    path("checkout/payments/", api.CheckoutPaymentCreateView.as_view(), name="payments"),
    path("checkout/payments/<str:payment_id>/", api.CheckoutPaymentView.as_view(), name="payment"),
]

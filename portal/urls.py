from django.urls import path

from portal.access import merchant_required
from portal.views import account, auth, balance, catalog, dashboard, developers, orders, payments, tools

app_name = "portal"

ID = "<str:{}>"

urlpatterns = [
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password/", merchant_required(auth.PasswordChangeView.as_view()), name="password-change"),
    path("", dashboard.dashboard, name="dashboard"),
    path("payments/", payments.payments, name="payments"),
    path("payments/<str:payment_id>/", payments.payment, name="payment"),
    path("payments/<str:payment_id>/capture/", payments.payment_capture, name="payment-capture"),
    path("payments/<str:payment_id>/cancel/", payments.payment_cancel, name="payment-cancel"),
    path("payments/<str:payment_id>/refund/", payments.payment_refund, name="payment-refund"),
    path("payments/<str:payment_id>/retry/", payments.payment_retry, name="payment-retry"),
    path("orders/", orders.orders, name="orders"),
    path("orders/new/", orders.order_create, name="order-create"),
    path("orders/<str:order_id>/", orders.order, name="order"),
    path("products/", catalog.products, name="products"),
    path("products/new/", catalog.product_create, name="product-create"),
    path("products/<str:product_id>/", catalog.product_edit, name="product-edit"),
    path("products/<str:product_id>/stock/", catalog.product_stock, name="product-stock"),
    path("products/<str:product_id>/delete/", catalog.product_delete, name="product-delete"),
    path("payment-links/new/", catalog.link_create, name="link-create"),
    path("payment-links/<str:link_id>/deactivate/", catalog.link_deactivate, name="link-deactivate"),
    path("balance/", balance.balance, name="balance"),
    path("balance/payouts/", balance.payout_create, name="payout-create"),
    path("developers/", developers.developers, name="developers"),
    path("developers/api-key/rotate/", developers.api_key_rotate, name="api-key-rotate"),
    path("developers/webhooks/", developers.webhook_settings, name="webhook-settings"),
    path("developers/checkout/", developers.checkout_settings, name="checkout-settings"),
    path("developers/webhooks/secret/rotate/", developers.webhook_secret_rotate, name="webhook-secret-rotate"),
    path("developers/webhooks/test/", developers.webhook_test, name="webhook-test"),
    path("developers/deliveries/<str:delivery_id>/", developers.delivery, name="delivery"),
    path("developers/deliveries/<str:delivery_id>/retry/", developers.delivery_retry, name="delivery-retry"),
    path("developers/debugger/", tools.debugger, name="debugger"),
    path("developers/request-bin/", tools.request_bin, name="request-bin"),
    path("developers/request-bin/use/", tools.request_bin_use, name="request-bin-use"),
    path("account/", account.account, name="account"),
    path("account/delete/", account.account_delete, name="account-delete"),
]

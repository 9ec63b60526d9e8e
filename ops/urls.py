from django.urls import path

from ops.views import dashboard, exports, merchants, payments, providers, review, users

app_name = "ops"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("review/", review.review, name="review"),
    path("review/<str:payment_id>/decide/", review.review_decide, name="review-decide"),
    path("payments/", payments.payments, name="payments"),
    path("payments/export.csv", exports.payments_csv, name="export-payments"),
    path("refunds/export.csv", exports.refunds_csv, name="export-refunds"),
    path("payments/<str:payment_id>/", payments.payment, name="payment"),
    path("payments/<str:payment_id>/attempts/", payments.payment_record_attempt, name="payment-attempt"),
    path("payments/<str:payment_id>/delete/", payments.payment_soft_delete, name="payment-delete"),
    path("payments/<str:payment_id>/restore/", payments.payment_restore, name="payment-restore"),
    path("merchants/", merchants.merchants, name="merchants"),
    path("merchants/<str:merchant_id>/", merchants.merchant, name="merchant"),
    path("merchants/<str:merchant_id>/deactivate/", merchants.merchant_deactivate, name="merchant-deactivate"),
    path("merchants/<str:merchant_id>/reactivate/", merchants.merchant_reactivate, name="merchant-reactivate"),
    path("users/", users.users, name="users"),
    path("users/new/", users.user_create, name="user-create"),
    path("users/<str:user_id>/deactivate/", users.user_deactivate, name="user-deactivate"),
    path("providers/", providers.providers, name="providers"),
    path("providers/<str:name>/", providers.provider_update, name="provider-update"),
]

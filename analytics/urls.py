from django.urls import path

from analytics import api

app_name = "analytics"

urlpatterns = [
    path("merchants/stats/", api.MerchantStatsView.as_view(), name="merchant-stats"),
    path("admin/stats/", api.PlatformStatsView.as_view(), name="admin-stats"),
    path("admin/merchants/", api.MerchantListView.as_view(), name="admin-merchants"),
    path("analytics/payment-volume/", api.PaymentVolumeView.as_view(), name="analytics-payment-volume"),
    path("analytics/provider-latency/", api.ProviderLatencyView.as_view(), name="analytics-provider-latency"),
    path("analytics/payment-status/", api.PaymentStatusView.as_view(), name="analytics-payment-status"),
    path("analytics/provider-success/", api.ProviderSuccessView.as_view(), name="analytics-provider-success"),
    path("analytics/failure-reasons/", api.FailureReasonsView.as_view(), name="analytics-failure-reasons"),
    path("analytics/timeseries/", api.TimeseriesView.as_view(), name="analytics-timeseries"),
    path("analytics/summary/", api.SummaryView.as_view(), name="analytics-summary"),
]

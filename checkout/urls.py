from django.urls import path

from checkout import views

app_name = "checkout"

urlpatterns = [
    path("checkout/<str:order_id>/", views.checkout_page, name="page"),
    path("checkout/<str:order_id>/payments/<str:payment_id>/", views.payment_page, name="payment"),
]

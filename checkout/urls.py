from django.urls import path

from checkout import demo, views

app_name = "checkout"

urlpatterns = [
    path("checkout/<str:order_id>/", views.checkout_page, name="page"),
    path("checkout/<str:order_id>/payments/<str:payment_id>/", views.payment_page, name="payment"),
    path("pay/<str:link_id>/", views.payment_link, name="payment-link"),
]

urlpatterns += [
    path("demo/shop/", demo.shop, name="demo-shop"),
    path("demo/shop/return/", demo.shop_return, name="demo-shop-return"),
]

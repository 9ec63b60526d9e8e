"""The console's list forms: the web pages' own (ui.listing), plus a filter by merchant."""

from __future__ import annotations

from django import forms

from ui import listing
from ui.listing import ListForm, filtered

__all__ = ["ListForm", "PaymentListForm", "RefundListForm", "filtered"]


class _ByMerchant(forms.Form):
    merchant_id = forms.CharField(label="Merchant id", required=False, max_length=40)


class PaymentListForm(_ByMerchant, listing.PaymentListForm):
    extra_filters = (*listing.PaymentListForm.extra_filters, "merchant_id")


class RefundListForm(_ByMerchant, listing.RefundListForm):
    extra_filters = (*listing.RefundListForm.extra_filters, "merchant_id")

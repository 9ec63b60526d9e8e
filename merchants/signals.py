"""Signals merchants send, so that the apps above them act in the same transaction without
merchants importing them (docs/layers.md)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `services.merchant_delete_account` inside its transaction, with the user's and the
# merchant's rows locked and before they are marked deleted; argument: `merchant`. Receivers hide
# what the merchant owns (payments: its orders and payments). A receiver that raises rolls the
# whole deletion back.
merchant_deleting = Signal()

# Sent by `services.merchant_deactivate` / `merchant_reactivate` inside their transaction, after
# the change is saved; arguments: `merchant`, `active` (the new state) and `actor` (the operator).
# Webhooks write the audit event (`merchant.deactivated` / `merchant.reactivated`) from it.
merchant_status_changed = Signal()

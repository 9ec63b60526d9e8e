// The demo shop's side of checkout.js: create the order on the server, open the modal, and post
// the result back to the server, which verifies the signature before showing anything.
(function () {
  "use strict";

  var status = document.querySelector("[data-shop-status]");
  var back = document.querySelector("[data-return]");

  document.querySelectorAll("form[data-buy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = "Creating your order…";
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value }
      })
        .then(function (response) {
          if (!response.ok) throw new Error("order");
          return response.json();
        })
        .then(function (order) {
          status.textContent = "";
          new window.PayGate({
            key: order.key,
            order_id: order.order_id,
            onSuccess: function (result) {
              status.textContent = "Payment received; confirming with the shop's server…";
              back.elements.order_id.value = result.order_id;
              back.elements.payment_id.value = result.payment_id;
              back.elements.signature.value = result.signature;
              back.submit();
            },
            onFailure: function (result) {
              status.textContent = "The payment failed (" + result.reason + "). You can try again in the checkout.";
            },
            onDismiss: function () {
              status.textContent = "Checkout closed. Your order " + order.order_id + " is still waiting for payment.";
            }
          }).open();
        })
        .catch(function () { status.textContent = "The order could not be created. Try again."; });
    });
  });
})();

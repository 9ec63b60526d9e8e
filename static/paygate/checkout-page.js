// The hosted checkout page's behaviour. The page works without it (plain form posts and a
// self-refreshing processing page); with it: method tabs, live card checks, JSON submission,
// polling in place, and — when framed by checkout.js — the outcome reported to the parent.
(function () {
  "use strict";

  var API = "/paygate/api/v1/checkout/";
  var main = document.getElementById("main");
  var parentOrigin = main && main.getAttribute("data-embed-parent");

  function tell(message) {
    // Only ever to the one origin the server checked against the merchant's allowed origins.
    if (parentOrigin && window.parent !== window) window.parent.postMessage(message, parentOrigin);
  }

  // Escape inside the frame closes checkout.js's modal as it does outside.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") tell({ type: "paygate:dismiss" });
  });

  window.addEventListener("message", function (event) {
    if (!parentOrigin || event.origin !== parentOrigin || event.source !== window.parent) return;
    if (event.data && event.data.type === "paygate:ping") tell({ type: "paygate:ready" });
  });

  // --- card checks ---------------------------------------------------------------------------
  function digits(value) { return value.replace(/\D/g, ""); }

  function luhn(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i++) {
      var d = +number.charAt(number.length - 1 - i);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return number.length >= 12 && sum % 10 === 0;
  }

  function network(number) {
    if (/^4/.test(number)) return "Visa";
    if (/^(5[1-5]|2[2-7])/.test(number)) return "Mastercard";
    if (/^3[47]/.test(number)) return "Amex";
    if (/^(60|65|81|82|508)/.test(number)) return "RuPay";
    if (/^6/.test(number)) return "Discover";
    return "";
  }

  function fieldError(form, name, message) {
    var slot = form.querySelector('[data-error-for="' + name + '"]');
    if (!slot) return;
    slot.textContent = message || "";
    var field = slot.closest(".field");
    if (field) field.classList.toggle("has-error", !!message);
  }

  function checkNumber(form, final) {
    var input = form.querySelector('input[name="number"]');
    var n = digits(input.value);
    form.querySelector("[data-network]").textContent = network(n);
    var complete = n.length >= 16 || (n.length === 15 && /^3[47]/.test(n));
    var ok = luhn(n);
    input.closest(".field").classList.toggle("is-valid", ok && complete);
    if ((final || complete) && n.length && !ok) {
      fieldError(form, "number", "This card number is not valid. Check the digits.");
      return false;
    }
    fieldError(form, "number", "");
    return ok;
  }

  var card = document.getElementById("form-card");
  if (card) {
    var number = card.querySelector('input[name="number"]');
    number.addEventListener("input", function () {
      var n = digits(number.value).slice(0, 19);
      number.value = n.replace(/(\d{4})(?=\d)/g, "$1 ");
      checkNumber(card, false);
    });
    number.addEventListener("blur", function () { checkNumber(card, true); });
    if (number.value) checkNumber(card, false);  // typed or autofilled before this script ran
    card.setAttribute("data-ready", "");
    var expiry = card.querySelector('input[name="expiry"]');
    expiry.addEventListener("input", function () {
      var d = digits(expiry.value).slice(0, 4);
      expiry.value = d.length > 2 ? d.slice(0, 2) + " / " + d.slice(2) : d;
    });
    document.addEventListener("click", function (event) {
      var fill = event.target.closest("[data-fill-card]");
      if (!fill) return;
      selectTab("card");
      number.value = fill.getAttribute("data-fill-card");
      checkNumber(card, true);
      if (!expiry.value) expiry.value = "12 / " + String(new Date().getFullYear() + 3).slice(2);
      var cvc = card.querySelector('input[name="cvc"]');
      if (!cvc.value) cvc.value = "123";
      number.focus();
    });
  }

  var VPA = /^[\w.\-]{2,64}@[A-Za-z][A-Za-z0-9]{1,32}$/;
  var upi = document.getElementById("form-upi");
  if (upi) {
    document.addEventListener("click", function (event) {
      var fill = event.target.closest("[data-fill-vpa]");
      if (!fill) return;
      selectTab("upi");
      upi.querySelector('input[name="vpa"]').value = fill.getAttribute("data-fill-vpa");
      upi.querySelector('input[name="vpa"]').focus();
    });
    upi.querySelector('input[name="vpa"]').addEventListener("blur", function (event) {
      var value = event.target.value.trim();
      fieldError(upi, "vpa", value && !VPA.test(value) ? "Enter a UPI ID such as name@bank." : "");
    });
  }

  // --- method tabs ---------------------------------------------------------------------------
  var tabs = document.querySelector("[data-tabs]");
  function selectTab(method) {
    if (!tabs) return;
    tabs.querySelectorAll('[role="tab"]').forEach(function (tab) {
      var on = tab.id === "tab-" + method;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
    });
    document.querySelectorAll(".co-form").forEach(function (form) {
      form.toggleAttribute("data-inactive", form.getAttribute("data-method") !== method);
    });
  }
  if (tabs) {
    tabs.hidden = false;
    document.body.classList.add("js-tabs");
    tabs.addEventListener("click", function (event) {
      var tab = event.target.closest('[role="tab"]');
      if (tab) selectTab(tab.id.replace("tab-", ""));
    });
    tabs.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      var next = tabs.querySelector('[aria-selected="false"]');
      selectTab(next.id.replace("tab-", ""));
      next.focus();
    });
    selectTab(document.querySelector(".co-form:not([data-inactive])").getAttribute("data-method"));
  }

  // --- submission ----------------------------------------------------------------------------
  var FIELDS = { "card.number": "number", "card.exp_month": "expiry", "card.exp_year": "expiry", "card.cvc": "cvc",
    "card.name": "name", "customer.name": "name", "customer.email": "email", "customer.country": "country", "vpa": "vpa" };

  function showFieldErrors(form, fields, prefix) {
    Object.keys(fields || {}).forEach(function (key) {
      var path = prefix ? prefix + "." + key : key;
      var value = fields[key];
      if (Array.isArray(value)) {
        var name = FIELDS[path];
        if (name) fieldError(form, name, name === "expiry" ? "Enter a valid expiry date (MM / YY)." : value[0]);
        else formError(value[0]);
      } else if (value && typeof value === "object") {
        showFieldErrors(form, value, path);
      }
    });
  }

  function formError(message) {
    var box = document.querySelector("[data-form-error]");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function body(form) {
    var f = new FormData(form);
    var data = { order_id: f.get("order_id"), method: f.get("method"),
      customer: { name: f.get("name").trim(), email: f.get("email").trim(), country: f.get("country") } };
    if (data.method === "upi") {
      data.vpa = f.get("vpa").trim();
      return data;
    }
    var exp = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec(f.get("expiry").trim()) || [0, 0, 0];
    var year = +exp[2];
    data.card = { number: digits(f.get("number")), exp_month: +exp[1], exp_year: year < 100 ? 2000 + year : year,
      cvc: f.get("cvc").trim(), name: f.get("name").trim() };
    return data;
  }

  function processing(on) {
    document.querySelectorAll(".co-form, [data-tabs]").forEach(function (el) { el.hidden = on; });
    document.querySelector("[data-processing]").hidden = !on;
  }

  document.querySelectorAll(".co-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      formError("");
      form.querySelectorAll("[data-error-for]").forEach(function (slot) { fieldError(form, slot.getAttribute("data-error-for"), ""); });
      if (form === card && !checkNumber(card, true)) { card.querySelector('input[name="number"]').focus(); return; }
      processing(true);
      fetch(API + "payments/", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body(form)), credentials: "omit" })
        .then(function (response) { return response.json().then(function (json) { return { status: response.status, json: json }; }); })
        .then(function (answer) {
          if (answer.json.success) {
            var payment = answer.json.data;
            location.assign(location.pathname + "payments/" + encodeURIComponent(payment.id) + "/" + location.search);
            return;
          }
          processing(false);
          var error = answer.json.exception || {};
          if (answer.status === 400 && error.meta && error.meta.fields) showFieldErrors(form, error.meta.fields, "");
          else formError(error.message || "The payment could not be started. Try again.");
          // Paid, canceled or expired meanwhile: the reloaded page says so (without the form).
          var closed = answer.status === 410 ||
            (answer.status === 409 && error.meta && (error.meta.order_status === "paid" || error.meta.order_status === "canceled"));
          if (closed) location.reload();
        })
        .catch(function () {
          processing(false);
          formError("The connection failed. Check your network and try again.");
        });
    });
  });

  // --- result page ---------------------------------------------------------------------------
  var result = document.querySelector("[data-result]");
  if (result) {
    var outcome = result.getAttribute("data-result");
    var ids = { payment_id: result.getAttribute("data-payment-id"), order_id: result.getAttribute("data-order-id") };
    if (outcome === "processing") {
      var poll = function () {
        fetch(result.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "omit" })
          .then(function (response) { return response.json(); })
          .then(function (json) {
            if (json.success && json.data.outcome !== "processing") location.reload();
            else setTimeout(poll, 1000);
          })
          .catch(function () { setTimeout(poll, 2000); });
      };
      setTimeout(poll, 700);
    } else if (outcome === "succeeded") {
      tell({ type: "paygate:success", payment_id: ids.payment_id, order_id: ids.order_id,
        signature: result.getAttribute("data-signature") });
    } else if (outcome === "failed") {
      tell({ type: "paygate:failure", payment_id: ids.payment_id, order_id: ids.order_id,
        reason: result.getAttribute("data-reason") });
    }
  }
  tell({ type: "paygate:ready" });
})();

/*! PayGate checkout.js: the hosted checkout in a modal, on the merchant's own page.
 *
 *   <script src="https://paygate.example/static/paygate/checkout.js"></script>
 *   new PayGate({key: "key_…", order_id: "order_…",
 *                onSuccess: function (r) {},   // {payment_id, order_id, signature}: verify on your server
 *                onFailure: function (r) {},   // {payment_id, order_id, reason}: the payer may try again
 *                onDismiss: function () {}}).open();
 *
 * Messages are accepted only from PayGate's origin and this modal's frame, and sent only to it.
 */
(function (window, document) {
  "use strict";

  var script = document.currentScript;
  var ORIGIN = new URL(script ? script.src : "/", window.location.href).origin;

  function css(el, styles) {
    Object.keys(styles).forEach(function (k) { el.style[k] = styles[k]; });
    return el;
  }

  function PayGate(options) {
    if (!(this instanceof PayGate)) return new PayGate(options);
    options = options || {};
    if (!options.key || !options.order_id) throw new Error("PayGate: key and order_id are required");
    this.options = options;
    this.isOpen = false;
    this._onMessage = this._onMessage.bind(this);
    this._onKey = this._onKey.bind(this);
    this._onFocus = this._onFocus.bind(this);
  }

  PayGate.prototype.open = function () {
    if (this.isOpen) return this;
    var o = this.options;
    this.isOpen = true;
    this.returnFocus = document.activeElement;

    var overlay = css(document.createElement("div"), {
      position: "fixed", inset: "0", zIndex: "2147483000", background: "rgba(16,24,40,.55)",
      display: "flex", alignItems: "center", justifyContent: "center", padding: "16px"
    });
    overlay.setAttribute("data-paygate-overlay", "");
    var dialog = css(document.createElement("div"), {
      position: "relative", width: "100%", maxWidth: "460px", height: "min(720px, calc(100vh - 32px))",
      background: "#fff", borderRadius: "12px", overflow: "hidden", boxShadow: "0 12px 32px rgba(16,24,40,.28)"
    });
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-label", "PayGate checkout");

    var close = css(document.createElement("button"), {
      position: "absolute", top: "8px", right: "8px", width: "32px", height: "32px", border: "0",
      borderRadius: "50%", background: "#eef1f5", color: "#1a1f36", font: "600 18px/1 system-ui, sans-serif",
      cursor: "pointer", zIndex: "1"
    });
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close checkout");
    var self = this;
    close.addEventListener("click", function () { self.dismiss(); });

    var src = ORIGIN + "/checkout/" + encodeURIComponent(o.order_id) + "/?embed=1" +
      "&key=" + encodeURIComponent(o.key) + "&parent=" + encodeURIComponent(window.location.origin);
    var frame = css(document.createElement("iframe"), { width: "100%", height: "100%", border: "0", display: "block" });
    frame.src = src;
    frame.title = "PayGate checkout";
    frame.setAttribute("allow", "payment");
    frame.addEventListener("load", function () {
      if (frame.contentWindow) frame.contentWindow.postMessage({ type: "paygate:ping" }, ORIGIN);
    });

    dialog.appendChild(close);
    dialog.appendChild(frame);
    overlay.appendChild(dialog);
    overlay.addEventListener("mousedown", function (event) { if (event.target === overlay) self.dismiss(); });
    document.body.appendChild(overlay);
    this.overlay = overlay;
    this.dialog = dialog;
    this.frame = frame;
    this.closeButton = close;
    this.bodyOverflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";

    window.addEventListener("message", this._onMessage);
    document.addEventListener("keydown", this._onKey, true);
    document.addEventListener("focusin", this._onFocus, true);
    close.focus();
    return this;
  };

  PayGate.prototype.close = function () {
    if (!this.isOpen) return;
    this.isOpen = false;
    window.removeEventListener("message", this._onMessage);
    document.removeEventListener("keydown", this._onKey, true);
    document.removeEventListener("focusin", this._onFocus, true);
    document.body.style.overflow = this.bodyOverflow || "";
    if (this.overlay && this.overlay.parentNode) this.overlay.parentNode.removeChild(this.overlay);
    if (this.returnFocus && this.returnFocus.focus) this.returnFocus.focus();
  };

  PayGate.prototype.dismiss = function () {
    if (!this.isOpen) return;
    this.close();
    if (typeof this.options.onDismiss === "function") this.options.onDismiss();
  };

  PayGate.prototype._onMessage = function (event) {
    // Origin-checked: only PayGate, and only this modal's own frame.
    if (event.origin !== ORIGIN || !this.frame || event.source !== this.frame.contentWindow) return;
    var data = event.data || {};
    var o = this.options;
    if (data.type === "paygate:success") {
      var result = { payment_id: data.payment_id, order_id: data.order_id, signature: data.signature };
      var self = this;
      setTimeout(function () {
        self.close();
        if (typeof o.onSuccess === "function") o.onSuccess(result);
      }, 1200);
    } else if (data.type === "paygate:failure") {
      if (typeof o.onFailure === "function") {
        o.onFailure({ payment_id: data.payment_id, order_id: data.order_id, reason: data.reason });
      }
    } else if (data.type === "paygate:dismiss") {
      this.dismiss();
    }
  };

  PayGate.prototype._onKey = function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      this.dismiss();
    } else if (event.key === "Tab") {
      // Two stops on this side: the close button and the frame (whose own fields come between).
      var first = this.closeButton;
      var last = this.frame;
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    }
  };

  PayGate.prototype._onFocus = function (event) {
    if (this.dialog && !this.dialog.contains(event.target)) this.closeButton.focus();
  };

  window.PayGate = PayGate;
})(window, document);

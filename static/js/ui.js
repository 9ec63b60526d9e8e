// Small behaviours shared by every page; each page works without them.
(function () {
  "use strict";

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.value !== undefined && target.tagName !== "OUTPUT" ? target.value : target.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) {
      event.preventDefault();
      copy(button);
      return;
    }
    var dismiss = event.target.closest(".message button.dismiss");
    if (dismiss) {
      dismiss.closest(".message").remove();
    }
  });

  // Copy buttons are useless without JavaScript, so they are hidden until it runs.
  function reveal(root) {
    root.querySelectorAll("button[data-copy], .message button.dismiss").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSwap", function (event) { reveal(event.target); });
})();

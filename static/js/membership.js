// Shows the server's French message when htmx gets an answer it does not swap
// (a line deleted in another tab answers 404) or cannot reach the server.
(function () {
  "use strict";

  function showMessage(html) {
    var messages = document.getElementById("messages");
    if (messages) {
      messages.innerHTML = html;
    }
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") === 0 && xhr.responseText) {
      showMessage(xhr.responseText);
    } else {
      showMessage('<p class="message message--error" role="alert">Une erreur s\'est produite. Rechargez la page et réessayez.</p>');
    }
  });

  document.addEventListener("htmx:sendError", function () {
    showMessage('<p class="message message--error" role="alert">Le serveur ne répond pas. Vérifiez votre connexion, puis réessayez.</p>');
  });

  // A successful change makes an earlier error message out of date.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (event.detail.successful && xhr && xhr.status < 400) {
      var messages = document.getElementById("messages");
      if (messages) {
        messages.querySelectorAll(".message--error").forEach(function (node) { node.remove(); });
      }
    }
  });

  // Escape in a line being edited puts the saved line back, as its "Annuler" link does
  // (once: the link shares the row form's hx-sync="this:drop", a held key sends one GET).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.isComposing || event.defaultPrevented || !event.target.closest) {
      return;
    }
    var row = event.target.closest("tr.line--form");
    var cancel = row && row.querySelector("a[aria-keyshortcuts='Escape']");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // A swap that takes away the focused element (a line saved, put back by "Annuler" or
  // deleted) would drop a keyboard user at the top of the page. The focus goes to the
  // same row again (its "Modifier" link), else to the row that took a deleted row's place.
  // Each answer keeps its own plan: two requests in flight ("Annuler", then a line added
  // at once) settle in their own order.
  var focusPlans = new WeakMap();

  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = event.detail.target;
    if (!row || row.tagName !== "TR" || !row.id || !event.detail.xhr) {
      return;
    }
    var neighbour = row.nextElementSibling || row.previousElementSibling;
    focusPlans.set(event.detail.xhr, [row.id, neighbour && neighbour.id]);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    var plan = xhr && focusPlans.get(xhr);
    var active = document.activeElement;
    if (!plan) {
      return;
    }
    focusPlans.delete(xhr);
    if (active && active !== document.body && active.isConnected) {
      return;  // nothing was lost, or htmx already focused the new blank line (autofocus)
    }
    for (var i = 0; i < plan.length; i += 1) {
      var row = plan[i] && document.getElementById(plan[i]);
      var target = row && row.querySelector("a[href], button, input:not([type=hidden])");
      if (target) {
        target.focus();
        return;
      }
    }
  });
})();

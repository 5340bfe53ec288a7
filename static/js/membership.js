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
})();

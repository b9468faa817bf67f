// Starts Swagger UI on the page that gobstopper.openapi.enable_docs serves: the document
// comes from the URL the page names, and nothing is fetched from any other host (the
// online validator badge is off).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();

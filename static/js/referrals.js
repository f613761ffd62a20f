// Referral form: offer only the services of the chosen partner. The server checks this too;
// without JavaScript every service stays selectable and a wrong one is refused beside the field.
(function () {
  "use strict";
  const partner = document.getElementById("partner_id");
  const service = document.getElementById("service");
  if (!partner || !service) {
    return;
  }

  function update() {
    const chosen = partner.selectedOptions[0];
    const offered = chosen && chosen.dataset.services ? chosen.dataset.services.split(" ") : null;
    for (const option of service.options) {
      if (option.value) {
        option.disabled = offered !== null && !offered.includes(option.value);
      }
    }
    const selected = service.selectedOptions[0];
    if (selected && selected.disabled) {
      service.value = "";
    }
  }

  partner.addEventListener("change", update);
  update();
})();

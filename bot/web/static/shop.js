// Demo shop page: the account switcher signs in as a demo customer (the shop's own
// log-in would do this) and restarts the chat with the new identity.
(async function () {
  "use strict";
  const select = document.getElementById("demo-account");
  let config;
  try {
    config = await (await fetch("/api/config")).json();
  } catch (error) {
    console.warn("chat configuration unavailable", error);
    return;
  }
  const token = sessionStorage.getItem("demoToken") || "";
  const chosen = sessionStorage.getItem("demoCustomer") || "";

  const widget = NorthwindChat.mount({
    socketUrl: config.socket_url, title: `${config.shop_name} support`, customerToken: token,
  });

  if (!config.demo_login) {
    select.disabled = true;
    return;
  }
  try {
    const customers = await (await fetch("/api/demo/customers")).json();
    for (const customer of customers) {
      const option = document.createElement("option");
      option.value = String(customer.id);
      option.textContent = `${customer.name} (${customer.email})`;
      select.appendChild(option);
    }
    select.value = chosen;
  } catch (error) {
    console.warn("demo customers unavailable", error);
  }
  select.dataset.ready = "true";

  select.addEventListener("change", async () => {
    let newToken = "";
    if (select.value) {
      const reply = await fetch("/api/demo/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ customer_id: Number(select.value) }),
      });
      newToken = reply.ok ? (await reply.json()).token || "" : "";
    }
    sessionStorage.setItem("demoToken", newToken);
    sessionStorage.setItem("demoCustomer", select.value);
    widget.restart({ customerToken: newToken });
    select.dataset.identity = select.value || "guest";
  });
})();

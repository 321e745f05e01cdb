// The chat widget: one <script src="https://<assistant>/widget.js" defer></script> on a page of the centre's
// site adds a button that opens the assistant in a frame. The frame is our own page (/widget); the server
// lets only the configured origins frame it (Content-Security-Policy frame-ancestors).
"use strict";
(function () {
  const script = document.currentScript;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const box = document.createElement("div");
  box.id = "tthc-chat-widget";
  box.style.cssText = "position:fixed;right:12px;bottom:12px;z-index:2147483000;font-family:system-ui,sans-serif;";
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.textContent = "Hỏi trợ lý hành chính công";
  toggle.setAttribute("aria-expanded", "false");
  toggle.style.cssText = "background:#a3131b;color:#fff;border:0;border-radius:22px;padding:10px 16px;" +
    "min-height:44px;font-size:16px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25);";
  const frame = document.createElement("iframe");
  frame.title = "Trợ lý hành chính công";
  frame.src = origin + "/widget";
    frame.style.cssText = "display:none;width:min(380px,calc(100vw - 24px));height:min(560px,calc(100vh - 90px));" +
    "border:1px solid #d5d9de;border-radius:10px;background:#fff;margin-bottom:8px;";
  toggle.addEventListener("click", () => {
    const open = frame.style.display === "none";
    frame.style.display = open ? "block" : "none";
    toggle.setAttribute("aria-expanded", String(open));
    if (open) frame.focus();
  });
  box.appendChild(frame);
  box.appendChild(toggle);
  document.body.appendChild(box);
})();

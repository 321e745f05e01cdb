// Live handoff: fetches the chat's new lines every few seconds and appends them as text (never as HTML).
// The page works without it: the "Tải lại tin nhắn" link shows the same lines.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  if (!chat || !window.fetch) { return; }
  var after = Number(chat.getAttribute("data-after")) || 0;
  var status = chat.getAttribute("data-status");
  function add(line) {
    var li = document.createElement("li"), meta = document.createElement("p"), text = document.createElement("p");
    li.className = "line " + line.author;
    li.setAttribute("data-id", String(line.id));
    meta.className = "meta";
    meta.textContent = line.who + " · " + line.at + (line.delivery ? " · " : "");
    if (line.delivery) {
      var delivery = document.createElement("span");
      delivery.className = "delivery";
      delivery.textContent = line.delivery;
      meta.appendChild(delivery);
    }
    text.className = "text";
    text.textContent = line.text;
    li.appendChild(meta);
    li.appendChild(text);
    chat.appendChild(li);
  }
  function poll() {
    fetch(chat.getAttribute("data-lines") + "?after=" + after, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.lines.forEach(function (line) { add(line); after = Math.max(after, line.id); });
        Object.keys(data.delivery || {}).forEach(function (id) {
          var shown = chat.querySelector('li[data-id="' + id + '"] .delivery');
          if (shown) { shown.textContent = data.delivery[id]; }
        });
        if (data.status !== status) { window.location.reload(); return; }  // taken, handed back, erased
        var shown = document.getElementById("handoff-status");
        if (shown) { shown.textContent = data.label; }
      })
      .catch(function () { /* the next poll tries again */ });
  }
  if (status === "waiting" || status === "active") { window.setInterval(poll, 3000); }
})();

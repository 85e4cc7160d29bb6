// Public chat page (/hoi-dap): sends the citizen's messages to POST /api/assistant/chat and
// shows the replies, with the emergency number as a call button, the sources of each answer,
// quick replies, and the device location when the citizen chooses to send it.
"use strict";

(function () {
  const API = "/api/assistant/chat";
  const LOCATE = "Gửi vị trí của tôi";
  const STARTERS = [
    "Đăng ký tạm trú cần giấy tờ gì?",
    "Làm căn cước cho con dưới 14 tuổi",
    "Tra cứu phạt nguội ở đâu?",
    "Báo tin cho công an",
  ];

  const log = document.getElementById("log");
  const suggestions = document.getElementById("suggestions");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const locate = document.getElementById("locate");
  const restart = document.getElementById("restart");
  const status = document.getElementById("status");

  let conversationId = null;
  let busy = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scrollToEnd() {
    window.scrollTo({ top: document.body.scrollHeight, behavior: "smooth" });
  }

  function addMine(text) {
    log.appendChild(el("li", "msg mine", text));
    scrollToEnd();
  }

  function addNote(text, className) {
    log.appendChild(el("li", "msg bot " + (className || ""), text));
    scrollToEnd();
  }

  function safeUrl(url) {
    try {
      const u = new URL(url);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  function addReply(r) {
    const item = el("li", "msg bot " + r.kind);
    if (r.kind === "emergency" && /^\d{3}$/.test(r.emergency_number || "")) {
      const call = el("a", "call", "Gọi ngay " + r.emergency_number);
      call.href = "tel:" + r.emergency_number;
      item.appendChild(call);
      item.appendChild(document.createElement("br"));
    }
    item.appendChild(document.createTextNode(r.reply));
    if (r.report_reference) {
      // The lookup reference, not the incident number, is what follows the report.
      item.appendChild(el("span", "reference", "Mã tra cứu: " + r.report_reference));
    }
    if (Array.isArray(r.citations) && r.citations.length > 0) {
      const list = el("ul", "sources");
      list.setAttribute("aria-label", "Nguồn");
      for (const c of r.citations) {
        const li = el("li");
        const url = c.url ? safeUrl(c.url) : null;
        if (url) {
          const a = el("a", "", c.title);
          a.href = url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          li.appendChild(a);
        } else {
          li.appendChild(document.createTextNode(c.title));
        }
        if (c.source) li.appendChild(document.createTextNode(" — " + c.source));
        list.appendChild(li);
      }
      item.appendChild(list);
    }
    log.appendChild(item);
    scrollToEnd();
  }

  function showSuggestions(items) {
    suggestions.replaceChildren();
    for (const text of items || []) {
      const b = el("button", "", text);
      b.type = "button";
      b.addEventListener("click", function () {
        if (text === LOCATE) sendLocation();
        else submit(text);
      });
      suggestions.appendChild(b);
    }
  }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    locate.disabled = value;
    status.textContent = value ? "Đang gửi…" : "";
  }

  async function post(body) {
    if (conversationId) body.conversation_id = conversationId;
    const response = await fetch(API, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    return { status: response.status, data: data };
  }

  async function submit(message, coords) {
    const text = (message || "").trim();
    if (!text || busy) return;
    addMine(coords ? text + " (" + coords.lat.toFixed(5) + ", " + coords.lon.toFixed(5) + ")" : text);
    showSuggestions([]);
    setBusy(true);
    try {
      const body = { message: text };
      if (coords) {
        body.lat = coords.lat;
        body.lon = coords.lon;
      }
      let result = await post(body);
      if (result.status === 422 && conversationId && result.data && result.data.error &&
          /conversation_id/.test(result.data.error.message || "")) {
        conversationId = null;
        result = await post(body);
      }
      if (result.status === 200 && result.data) {
        conversationId = result.data.conversation_id || conversationId;
        addReply(result.data);
        showSuggestions(result.data.suggestions);
      } else if (result.status === 429) {
        addNote("Bạn gửi hơi nhanh. Vui lòng đợi khoảng một phút rồi gửi tiếp.\nNếu khẩn cấp, hãy gọi ngay 113 (công an), 114 (cứu hỏa, cứu nạn) hoặc 115 (cấp cứu).", "error");
      } else if (result.status === 413 || result.status === 422) {
        addNote("Tin nhắn chưa hợp lệ hoặc quá dài (tối đa 2.000 ký tự). Bạn viết ngắn gọn lại giúp.", "error");
      } else {
        addNote("Hệ thống đang bận, chưa trả lời được. Bạn thử lại sau ít phút.\nNếu khẩn cấp, hãy gọi ngay 113, 114 hoặc 115.", "error");
      }
    } catch (_) {
      addNote("Không kết nối được tới máy chủ. Kiểm tra mạng rồi thử lại.\nNếu khẩn cấp, hãy gọi ngay 113, 114 hoặc 115.", "error");
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  function sendLocation() {
    if (busy) return;
    if (!("geolocation" in navigator)) {
      addNote("Thiết bị không cho lấy vị trí. Bạn nhập địa chỉ giúp: số nhà, tên đường, phường/xã.", "error");
      return;
    }
    status.textContent = "Đang lấy vị trí…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        status.textContent = "";
        submit("Vị trí hiện tại của tôi", {
          lat: position.coords.latitude,
          lon: position.coords.longitude,
        });
      },
      function () {
        status.textContent = "";
        addNote("Chưa lấy được vị trí (có thể bạn chưa cho phép). Bạn nhập địa chỉ giúp: số nhà, tên đường, phường/xã.", "error");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function welcome() {
    log.replaceChildren();
    conversationId = null;
    addNote("Xin chào! Bạn có thể hỏi về thủ tục hành chính do công an giải quyết, hoặc báo tin cho công an.\nViệc khẩn cấp, hãy gọi ngay 113, 114 hoặc 115.");
    showSuggestions(STARTERS);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    submit(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  locate.addEventListener("click", sendLocation);
  restart.addEventListener("click", welcome);

  welcome();
})();

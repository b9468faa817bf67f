// The demo's scripts: each block wires up the page it finds its elements on.
"use strict";

// Ask for JSON, so error answers come as JSON too (browsers navigating get HTML pages).
const ACCEPT_JSON = { Accept: "application/json" };

async function show(response, status, body) {
  const text = await response.text();
  const extra = ["retry-after", "location"]
    .filter((name) => response.headers.has(name))
    .map((name) => `${name}: ${response.headers.get(name)}`);
  status.textContent = [`${response.status} ${response.statusText}`, ...extra].join(" · ");
  status.dataset.status = String(response.status);
  try {
    body.textContent = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    body.textContent = text;
  }
}

function routingPage() {
  const form = document.getElementById("todo-form");
  if (!form) return;
  const status = document.getElementById("answer-status");
  const body = document.getElementById("answer-body");
  const send = async (payload, type) => {
    const response = await fetch(form.dataset.api, {
      method: "POST",
      headers: { ...ACCEPT_JSON, "Content-Type": type },
      body: payload,
    });
    await show(response, status, body);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const title = form.elements.title.value;
    send(JSON.stringify({ title, done: form.elements.done.checked }), "application/json");
  });
  const cases = {
    blank: () => send(JSON.stringify({ title: "   " }), "application/json"),
    number: () => send(JSON.stringify({ title: 42 }), "application/json"),
    malformed: () => send('{"title": "unfinished', "application/json"),
    form: () => send("title=a+form", "application/x-www-form-urlencoded"),
  };
  for (const button of document.querySelectorAll("button.bad")) {
    button.addEventListener("click", cases[button.dataset.case]);
  }
}

function tasksPage() {
  const form = document.getElementById("job-form");
  if (!form) return;
  const rows = document.querySelector("#jobs tbody");
  const error = document.getElementById("job-error");
  const watch = async (url, row) => {
    const job = await (await fetch(url, { headers: ACCEPT_JSON })).json();
    row.querySelector(".status").textContent = job.status;
    const bar = row.querySelector("progress");
    bar.max = job.steps;
    bar.value = job.done;
    row.querySelector(".done").textContent = `${job.done}/${job.steps}`;
    if (job.result) row.querySelector(".result").textContent = `sum = ${job.result.sum}`;
    if (job.error) row.querySelector(".result").textContent = job.error;
    if (!["success", "failed", "cancelled"].includes(job.status)) {
      setTimeout(() => watch(url, row), 200);
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(form.dataset.api, {
      method: "POST",
      headers: { ...ACCEPT_JSON, "Content-Type": "application/json" },
      body: JSON.stringify({ steps: Number(form.elements.steps.value) }),
    });
    const answer = await response.json();
    error.hidden = response.ok;
    if (!response.ok) {
      error.textContent = `${response.status}: ${answer.message || answer.error || "refused"}`;
      return;
    }
    const row = rows.insertRow(0);
    row.className = "job";
    row.innerHTML =
      '<td class="id"></td><td class="status"></td>' +
      '<td><progress value="0"></progress> <span class="done"></span></td><td class="result"></td>';
    row.querySelector(".id").textContent = answer.id.slice(0, 8);
    watch(response.headers.get("location"), row);
  });
}

function chatPage() {
  const join = document.getElementById("join");
  if (!join) return;
  const say = document.getElementById("say");
  const status = document.getElementById("chat-status");
  const list = document.getElementById("messages");
  let socket = null;
  const add = (text, kind) => {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    list.appendChild(item);
  };
  join.addEventListener("submit", (event) => {
    event.preventDefault();
    if (socket) socket.close();
    const room = join.elements.room.value;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${encodeURIComponent(room)}`);
    socket.addEventListener("open", () => {
      status.textContent = `In room ${room}.`;
      say.hidden = false;
    });
    socket.addEventListener("close", () => {
      status.textContent = "Disconnected.";
      say.hidden = true;
    });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.error) add(`error: ${event.error}`, "error");
      else if (event.members !== undefined) status.textContent = `In room ${event.room}: ${event.members} here.`;
      else add(`${event.name}: ${event.text}`, "said");
    });
  });
  say.addEventListener("submit", (event) => {
    event.preventDefault();
    socket.send(JSON.stringify({ name: join.elements.name.value, text: say.elements.text.value }));
    say.elements.text.value = "";
  });
}

function securityPage() {
  const ping = document.getElementById("ping");
  if (!ping) return;
  const answer = document.getElementById("ping-answer");
  ping.addEventListener("click", async () => {
    const response = await fetch(ping.dataset.url, { method: "POST", headers: ACCEPT_JSON });
    const left = response.headers.get("ratelimit-remaining");
    const retry = response.headers.get("retry-after");
    answer.dataset.status = String(response.status);
    answer.textContent =
      response.status === 429
        ? `429 Too Many Requests · Retry-After: ${retry} s`
        : `${response.status} · ${left} left in the bucket`;
  });
  const forged = document.getElementById("forged");
  const forgedAnswer = document.getElementById("forged-answer");
  forged.addEventListener("click", async () => {
    const response = await fetch(forged.dataset.url, {
      method: "POST",
      headers: { ...ACCEPT_JSON, "Content-Type": "application/x-www-form-urlencoded" },
      body: "line=forged",
    });
    const body = await response.json();
    forgedAnswer.dataset.status = String(response.status);
    forgedAnswer.textContent = `${response.status}: ${body.message || body.error}`;
  });
  const names = [
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
  ];
  fetch(location.pathname).then((response) => {
    const rows = document.querySelector("#headers tbody");
    for (const name of names) {
      const row = rows.insertRow();
      row.insertCell().textContent = name;
      row.insertCell().textContent = response.headers.get(name) || "(not sent)";
    }
  });
}

function middlewarePage() {
  const slow = document.getElementById("slow");
  if (!slow) return;
  slow.addEventListener("click", async () => {
    const response = await fetch(slow.dataset.url);
    document.getElementById("slow-answer").textContent =
      `Server-Timing: ${response.headers.get("server-timing")} (reload to see it in the table)`;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  routingPage();
  tasksPage();
  chatPage();
  securityPage();
  middlewarePage();
});

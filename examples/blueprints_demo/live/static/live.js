// Show each note the server pushes on the live feed.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("live-status");
  const list = document.getElementById("live-notes");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/live/ws`);
  socket.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    if (event.connected !== undefined) {
      status.textContent = `Connected (${event.connected} watching).`;
    } else if (event.note) {
      const item = document.createElement("li");
      item.textContent = `${event.note.author}: ${event.note.text}`;
      list.prepend(item);
    }
  });
  socket.addEventListener("close", () => {
    status.textContent = "Disconnected.";
  });
});

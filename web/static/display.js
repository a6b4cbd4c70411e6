// The waiting-room board: the office websocket drives it, with sequence numbers, so that a call is never
// shown twice and never missed. After a drop it resumes with ?since=<last seq>; when the gap is too old the
// server sends a fresh snapshot. Every call: a chime, then the announcement in each language, queued so that
// a new call never cuts off the one being spoken. Tests replace speech with window.__loketSpeech (see below).
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const HISTORY = 8;
  const LABEL_SWITCH_MS = 10000;
  const REFRESH_MS = 60000;

  let lastSeq = null;     // the last event applied; what a resume asks for
  let calls = [];         // newest first: {seq, number, counter, recall}
  let services = [];      // from the snapshot
  let office = null;      // the snapshot's office: its name and today's hours, as a manager last set them
  let backoff = 500;
  let socket = null;
  let languageIndex = 0;

  // -- drawing ----------------------------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function label(name) {
    const lang = config.languages[languageIndex % config.languages.length];
    return config.labels[lang][name] || name;
  }

  function drawLabels() {
    document.documentElement.lang = config.languages[languageIndex % config.languages.length];
    document.querySelectorAll("[data-label]").forEach((el) => { el.textContent = label(el.dataset.label); });
    $("offline").textContent = label("Offline");
    drawServices();
    drawOffice();
    drawPrinters();
  }

  // The office's name and today's opening hours ("Open today 08:30–12:30, 13:30–16:00" / "Closed today").
  function drawOffice() {
    if (!office) return;
    if (office.name) {
      $("office").textContent = office.name;
      document.title = office.name;
    }
    const hours = $("hours");
    const today = office.hours_today;
    if (!Array.isArray(today)) { hours.hidden = true; return; }
    const periods = today.map((period) => `${period[0]}–${period[1]}`).join(", ");
    hours.textContent = today.length ? label("Open today %(hours)s").replace("%(hours)s", periods) : label("Closed today");
    hours.hidden = false;
  }

  function drawCalls() {
    const latest = calls[0];
    $("latest-number").textContent = latest ? latest.number : "";
    $("latest-counter").textContent = latest ? latest.counter : "";
    $("latest-recall").hidden = !(latest && latest.recall);
    const list = $("history");
    list.replaceChildren(...calls.slice(1, HISTORY).map((call) => {
      const item = document.createElement("li");
      item.dataset.seq = String(call.seq);
      if (call.recall) item.classList.add("recall");
      const number = document.createElement("span");
      number.className = "number";
      number.textContent = call.number;
      const counter = document.createElement("span");
      counter.className = "counter";
      counter.textContent = call.counter;
      item.append(number, counter);
      return item;
    }));
  }

  function drawServices() {
    const lang = config.languages[languageIndex % config.languages.length];
    const body = $("services").querySelector("tbody");
    body.replaceChildren(...services.map((service) => {
      const row = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = (service.names && (service.names[lang] || service.names.en)) || service.code;
      const waiting = document.createElement("td");
      waiting.className = "num";
      waiting.textContent = String(service.waiting);
      if (service.on_the_way) {
        const away = document.createElement("small");
        away.className = "on-the-way";
        away.textContent = " (" + label("%(n)d on their way").replace("%(n)d", String(service.on_the_way)) + ")";
        waiting.append(away);
      }
      const wait = document.createElement("td");
      wait.className = "num";
      wait.textContent = Math.round((service.estimated_wait_s || 0) / 60) + " " + label("min");
      row.append(name, waiting, wait);
      return row;
    }));
  }

  function drawClock() {
    const now = new Date();
    $("clock").textContent = now.toLocaleTimeString("nl-BE", { hour: "2-digit", minute: "2-digit", timeZone: config.timezone });
  }

  // -- announcements ----------------------------------------------------------------------------------------

  const announcements = [];
  let speaking = false;

  function sentence(call, lang) {
    // "Ticket A 12, loket 3": letters apart and the number without leading zeros read naturally.
    const match = /^([A-Z]+)0*(\d+)$/.exec(call.number);
    const spoken = match ? match[1].split("").join(" ") + " " + match[2] : call.number;
    return `${config.labels[lang].Ticket} ${spoken}, ${config.labels[lang].Counter.toLowerCase()} ${call.counter}`;
  }

  function announce(call) {
    announcements.push(call);
    if (!speaking) next();
  }

  async function next() {
    const call = announcements.shift();
    if (!call) { speaking = false; return; }
    speaking = true;
    await chime();
    for (const lang of config.languages) {
      await say(sentence(call, lang), lang, call);
    }
    next();
  }

  function chime() {
    return new Promise((resolve) => {
      try {
        const Context = window.AudioContext || window.webkitAudioContext;
        const audio = new Context();
        const start = audio.currentTime;
        [659.25, 880].forEach((frequency, i) => {
          const tone = audio.createOscillator();
          const gain = audio.createGain();
          tone.frequency.value = frequency;
          gain.gain.setValueAtTime(0.0001, start + i * 0.35);
          gain.gain.exponentialRampToValueAtTime(0.4, start + i * 0.35 + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.35 + 0.33);
          tone.connect(gain).connect(audio.destination);
          tone.start(start + i * 0.35);
          tone.stop(start + i * 0.35 + 0.34);
        });
        setTimeout(() => { audio.close(); resolve(); }, 750);
      } catch (e) {
        resolve();  // no sound on this screen: the board still shows the call
      }
    });
  }

  function say(text, lang, call) {
    if (window.__loketSpeech) return window.__loketSpeech(text, lang, call);
    return new Promise((resolve) => {
      if (!window.speechSynthesis) { resolve(); return; }
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = { nl: "nl-BE", fr: "fr-BE", en: "en-GB" }[lang] || lang;
      let done = false;
      const finish = () => { if (!done) { done = true; resolve(); } };
      utterance.onend = finish;
      utterance.onerror = finish;
      setTimeout(finish, 8000);  // a voice that never ends must not stop the queue
      window.speechSynthesis.speak(utterance);
    });
  }

  // -- the office, live -------------------------------------------------------------------------------------

  function callOf(event) {
    const ticket = event.ticket || {};
    return {
      seq: event.seq,
      number: ticket.number,
      counter: (ticket.counter && ticket.counter.name) || "",
      recall: event.type === config.events.recalled,
    };
  }

  function applySnapshot(snapshot) {
    lastSeq = snapshot.seq;
    services = snapshot.services || [];
    office = snapshot.office || office;
    drawOffice();
    // A fresh picture: its recent calls as they are, without announcing them again.
    calls = (snapshot.recent_calls || []).map((ticket) => ({
      seq: null, number: ticket.number, counter: (ticket.counter && ticket.counter.name) || "", recall: false,
    }));
    drawCalls();
    drawServices();
  }

  function applyEvent(event) {
    if (typeof event.seq !== "number" || (lastSeq !== null && event.seq <= lastSeq)) return;  // never twice
    lastSeq = event.seq;
    if (event.type === config.events.called || event.type === config.events.recalled) {
      const call = callOf(event);
      // A recall moves that ticket back to the top rather than listing it twice.
      calls = [call, ...calls.filter((c) => c.number !== call.number)].slice(0, HISTORY);
      drawCalls();
      const latest = $("latest");
      latest.classList.remove("flash");
      void latest.offsetWidth;
      latest.classList.add("flash");
      window.__loketShown = (window.__loketShown || []).concat([{ seq: call.seq, number: call.number, recall: call.recall }]);
      announce(call);
    }
    if (event.type === config.events.printer && config.staff) showPrinter(event);
    if (config.events.changes.includes(event.type)) refreshSoon();
  }

  // The staff view: a kiosk's printer out of paper, open or unreachable, until it reports "ok" again.
  const printers = {};
  function showPrinter(event) {
    if (event.state === "ok") delete printers[event.kiosk];
    else printers[event.kiosk] = String(event.state);
    drawPrinters();
  }

  // "Kiosk hall-1: printer out of paper", in the language shown now.
  function drawPrinters() {
    const box = $("staff-alerts");
    const words = config.printers[config.languages[languageIndex % config.languages.length]];
    box.textContent = Object.entries(printers).map(([kiosk, state]) =>
      words.alert.replace("%(kiosk)s", kiosk).replace("%(state)s", words[state] || state.replace("_", " "))
    ).join(" · ");
    box.hidden = Object.keys(printers).length === 0;
  }

  let refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(refresh, 800);
  }

  async function refresh() {
    refreshTimer = null;
    try {
      // The page's cookie (not readable here) carries the token: the page itself never holds it.
      const answer = await fetch(`${config.base}/queue`, { cache: "no-store" });
      if (answer.ok) {
        const snapshot = await answer.json();
        services = snapshot.services || [];
        office = snapshot.office || office;
        drawServices();
        drawOffice();
      }
    } catch (e) { /* the websocket's reconnection says when we are back */ }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams();
    if (lastSeq !== null) query.set("since", String(lastSeq));
    socket = new WebSocket(`${scheme}//${location.host}${config.base}/ws?${query}`);
    socket.onopen = () => { backoff = 500; $("offline").hidden = true; };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "ping") { socket.send('{"type":"pong"}'); return; }
      if (data.type === "snapshot") { applySnapshot(data); return; }
      if (data.type === "error") { $("offline").textContent = data.detail; return; }
      applyEvent(data);
    };
    socket.onclose = () => {
      $("offline").hidden = false;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  drawLabels();
  drawClock();
  setInterval(drawClock, 1000);
  setInterval(() => { languageIndex += 1; drawLabels(); }, LABEL_SWITCH_MS);
  // Today's hours change at midnight and the waits with time alone: read the queue again now and then.
  setInterval(refreshSoon, REFRESH_MS);
  connect();
})();

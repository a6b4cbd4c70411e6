// The ticket's status page, live: it follows GET /api/status/{token}/events (server-sent events; EventSource
// reconnects by itself) and redraws what changed. The page is complete without this script: its forms post
// and come back, and a <noscript> refresh stands in for the events. When the ticket is called: vibration
// where the phone has it, and a short tone made with WebAudio once the citizen has turned the sound on.
// For a citizen on their way (joined from elsewhere), a timer turns "set off at HH:MM" into "leave now" when
// that time comes and counts down the minutes left to check in, by the phone's clock.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("status-config").textContent);
  const labels = config.labels;
  const $ = (id) => document.getElementById(id);
  const FINAL = ["cancelled", "no_show", "transferred"];
  const MAX_IMPROVEMENTS = 3;

  let last = config.status;
  let source = null;
  let audio = null;
  let ticking = null;
  let turnAt = null;  // when the turn is expected (ms), from the last live status; the page says it until then

  // -- words ------------------------------------------------------------------------------------------------

  function fill(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, (_, name) => String(values[name]));
  }

  function saying(status) {
    const again = status.state === "called" && status.recalls > 0;
    const counter = (status.counter && status.counter.name) || "";
    return fill(again ? labels.calledAgain : labels.sayings[status.state], { counter });
  }

  function ahead(n) {
    const form = new Intl.PluralRules(config.locale).select(n);
    return fill(labels.ahead[form] || labels.ahead.other, { n });
  }

  // Says the same as wait_text in web/status.py.
  function wait(seconds, low, high) {
    let minutes = Math.round(seconds / 60);
    let top = Math.ceil(high / 60);
    if (Math.max(minutes, top) < 2) return labels.soon;
    minutes = Math.max(minutes, 2);
    const bottom = Math.min(Math.floor(low / 60), minutes);
    top = Math.max(top, minutes);
    if (bottom === top) return fill(labels.about, { minutes });
    return fill(labels.range, { minutes, low: bottom, high: top });
  }

  function clock(iso) {
    if (!iso) return "";
    const format = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: config.timezone };
    return new Intl.DateTimeFormat(config.locale, format).format(new Date(iso));
  }

  // Says the same as minutes_left in web/status.py.
  function minutesLeft(iso) {
    if (!iso) return "";
    const left = Math.max(0, Math.ceil((new Date(iso).getTime() - Date.now()) / 60000));
    const form = new Intl.PluralRules(config.locale).select(left);
    return fill(labels.minutesLeft[form] || labels.minutesLeft.other, { n: left });
  }

  // -- drawing ----------------------------------------------------------------------------------------------

  // Says the same as shown() in web/status.py.
  function shown(status) {
    const waiting = status.state === "waiting";
    const remote = waiting && Boolean(status.code) && status.here === false;
    const come = status.come_at ? new Date(status.come_at).getTime() : null;
    const ahead = come !== null && come > Date.now();
    return {
      remote,
      set_off: remote && come !== null && ahead,
      go: remote && come !== null && !ahead,
      waiting,
      leave: status.can_leave,
      late: status.can_run_late,
      offer: waiting && Boolean(status.timed_return_offer),
      returning: waiting && Boolean(status.return_at),
      notify: waiting && !status.notify_requested && config.media.length > 0,
      notified: waiting && status.notify_requested,
      happiness: status.ask_happiness,
    };
  }

  function setText(id, text) {
    const el = $(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function draw(status) {
    document.body.className = "state-" + status.state;
    setText("number", status.number);
    setText("message", saying(status));
    setText("ahead", ahead(status.people_ahead));
    setText("wait", wait(status.estimated_wait_s, status.estimated_wait_range_s[0], status.estimated_wait_range_s[1]));
    setText("offer-at", clock(status.timed_return_offer));
    setText("return-at", clock(status.return_at));
    setText("come-at", clock(status.come_at));
    setText("arrive-by", clock(status.arrive_by));
    if (turnAt !== null) setText("turn-at", clock(new Date(turnAt).toISOString()));
    setText("countdown", minutesLeft(status.arrive_by));
    const flags = shown(status);
    document.querySelectorAll("[data-when]").forEach((el) => {
      const on = Boolean(flags[el.dataset.when]);
      el.hidden = !on;
      el.querySelectorAll("button, input").forEach((control) => { control.disabled = !on; });
    });
    limitImprovements();
    tick(flags);
  }

  // On their way: redraw every second (set off -> leave now, the countdown) while that applies.
  function tick(flags) {
    if (flags.remote && ticking === null) {
      ticking = setInterval(() => draw(last), 1000);
    } else if (!flags.remote && ticking !== null) {
      clearInterval(ticking);
      ticking = null;
    }
  }

  function limitImprovements() {
    const box = $("improvements");
    if (!box || box.closest("[hidden]")) return;
    const boxes = Array.from(box.querySelectorAll("input[type=checkbox]"));
    const full = boxes.filter((b) => b.checked).length >= MAX_IMPROVEMENTS;
    boxes.forEach((b) => { b.disabled = full && !b.checked; });
    $("improvements-full").hidden = !full;
  }

  // -- the call: vibration and a tone -----------------------------------------------------------------------

  function called(before, now) {
    if (now.state !== "called") return false;
    return before.state !== "called" || now.recalls > before.recalls;
  }

  function tone() {
    if (!audio || audio.state !== "running") return;
    const start = audio.currentTime;
    [880, 1174.66, 880].forEach((frequency, i) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const at = start + i * 0.3;
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.28);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.3);
    });
  }

  function signal() {
    if (navigator.vibrate) {
      try { navigator.vibrate([400, 150, 400, 150, 400]); } catch (e) { /* not allowed yet */ }
    }
    tone();
  }

  function setUpSound() {
    const button = $("sound");
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!button || !Context) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      // Browsers let a page make sound only after a gesture such as this click.
      if (!audio) audio = new Context();
      audio.resume().then(() => {
        button.setAttribute("aria-pressed", "true");
        button.textContent = button.dataset.on;
        tone();
      });
    });
  }

  // -- live -------------------------------------------------------------------------------------------------

  function offline(yes) {
    const note = $("offline");
    if (note) note.hidden = !yes;
    document.documentElement.dataset.live = yes ? "off" : "on";
  }

  function finished(status) {
    return FINAL.includes(status.state) || (status.state === "done" && !status.ask_happiness);
  }

  function connect() {
    source = new EventSource(config.events);
    source.addEventListener("open", () => offline(false));
    source.addEventListener("status", (event) => {
      offline(false);
      const status = JSON.parse(event.data);
      if (called(last, status)) signal();
      last = status;
      turnAt = Date.now() + status.estimated_wait_s * 1000;
      draw(status);
      if (finished(status)) source.close();  // nothing more will happen to this ticket
    });
    source.addEventListener("error", () => {
      offline(true);
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. an error answer): try again a little later.
        setTimeout(connect, 5000);
      }
    });
  }

  const improvements = $("improvements");
  if (improvements) improvements.addEventListener("change", limitImprovements);
  window.addEventListener("pagehide", () => { if (source) source.close(); });
  window.addEventListener("pageshow", (event) => { if (event.persisted && !finished(last)) connect(); });
  setUpSound();
  draw(last);
  if (!finished(last)) connect();
})();

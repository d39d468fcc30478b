// The browser side of a guided session (an anywidget module): shows the engine's state,
// speaks and plays its cues, keeps the screen awake, and sends the user's clicks back.
//
// The kernel decides everything about time. The state it sends lists the tones still due in
// the current step with the engine's deadlines; they are scheduled on the AudioContext's own
// clock, so they sound on time however long a message takes. A cue that was not announced
// sounds the moment its message arrives. No browser timer ever decides when anything happens
// (a hidden tab holds timers back); speech is said when its cue arrives.

// One AudioContext per page, made on the Start click (the gesture that lets sound play),
// with every cue's sound built once from the tone shapes the kernel sends.
let audio = null;
// One screen wake lock per page.
const wake = { sentinel: null, pending: false, wanted: false };
// The view that plays a model's cues: the newest one, so a second view never plays twice.
const owners = new WeakMap();
let views = 0;

const now = () => performance.timeOrigin + performance.now();

function buildBuffers(ctx, spec) {
  const buffers = {};
  const rate = ctx.sampleRate;
  for (const [name, notes] of Object.entries(spec.shapes)) {
    const total = notes.reduce((sum, note) => sum + Math.max(1, Math.round(note[1] * rate)), 0);
    const buffer = ctx.createBuffer(1, total, rate);
    const data = buffer.getChannelData(0);
    let offset = 0;
    for (const [frequency, seconds] of notes) {
      const count = Math.max(1, Math.round(seconds * rate));
      const fade = Math.min(Math.floor(count / 2), Math.round(spec.fade_s * rate));
      for (let i = 0; i < count; i++) {
        let value = Math.sin((2 * Math.PI * frequency * i) / rate);
        if (fade && i < fade) value *= i / fade;
        else if (fade && i >= count - fade) value *= (count - 1 - i) / fade;
        data[offset + i] = value * spec.volume;
      }
      offset += count;
    }
    if (spec.fade_out.includes(name)) {
      for (let i = 0; i < total; i++) data[i] *= 1 - (0.7 * i) / total;
    }
    buffers[name] = buffer;
  }
  return buffers;
}

function unlockAudio(spec) {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (audio === null) {
    const ctx = new Context({ latencyHint: "interactive" });
    audio = { ctx, buffers: buildBuffers(ctx, spec) };
  }
  if (audio.ctx.state === "suspended") audio.ctx.resume();
  return audio;
}

// The page clock and the audio clock, read together: the audio clock's time `contextTime`
// reaches the output at page time `pageMs`.
function clockPair() {
  const ctx = audio.ctx;
  const stamp = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : null;
  if (stamp && stamp.performanceTime > 0) {
    return { contextTime: stamp.contextTime, pageMs: performance.timeOrigin + stamp.performanceTime };
  }
  return { contextTime: ctx.currentTime, pageMs: now() };
}

function playable(name) {
  return audio !== null && audio.ctx.state !== "closed" && Boolean(audio.buffers[name]);
}

function startTone(name, when) {
  const source = audio.ctx.createBufferSource();
  source.buffer = audio.buffers[name];
  source.connect(audio.ctx.destination);
  source.start(when);
  return source;
}

// Tones scheduled ahead on the audio clock, by cue key: {source, when, dueMs}.
const scheduled = new Map();

function schedule(upcoming) {
  const pair = clockPair();
  const keep = new Set();
  for (const [name, dueMs, key] of upcoming) {
    keep.add(key);
    if (scheduled.has(key) || !playable(name)) continue;
    const when = pair.contextTime + (dueMs - pair.pageMs) / 1000;
    if (when <= audio.ctx.currentTime) continue; // too late: its cue message plays it
    scheduled.set(key, { source: startTone(name, when), when, dueMs });
  }
  cancelScheduled((key) => !keep.has(key));
}

// Stop tones not yet sounding (pause, skip, stop, tones switched off); forget old ones.
function cancelScheduled(which = () => true) {
  const nowMs = now();
  for (const [key, entry] of scheduled) {
    if (entry.dueMs > nowMs && which(key)) {
      entry.source.stop();
      scheduled.delete(key);
    } else if (entry.dueMs < nowMs - 60000) {
      scheduled.delete(key);
    }
  }
}

// Offline voices of the system only: nothing is sent anywhere to be spoken.
function offlineVoice() {
  if (!("speechSynthesis" in window)) return null;
  const local = window.speechSynthesis.getVoices().filter((voice) => voice.localService);
  const lang = (navigator.language || "en").slice(0, 2);
  return (
    local.find((voice) => voice.default && voice.lang.startsWith(lang)) ||
    local.find((voice) => voice.lang.startsWith(lang)) ||
    local.find((voice) => voice.lang.startsWith("en")) ||
    local[0] ||
    null
  );
}

function say(text, voice) {
  const synth = window.speechSynthesis;
  synth.cancel(); // the newest cue is what matters now; never a queue of old words
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.voice = voice;
  utterance.lang = voice.lang;
  synth.speak(utterance);
}

async function holdWakeLock(onFail) {
  if (!("wakeLock" in navigator) || wake.sentinel || wake.pending) return;
  if (document.visibilityState !== "visible") return; // asked again when the page is back
  wake.pending = true;
  try {
    const sentinel = await navigator.wakeLock.request("screen");
    wake.sentinel = sentinel;
    sentinel.addEventListener("release", () => {
      if (wake.sentinel === sentinel) wake.sentinel = null;
    });
    if (!wake.wanted) releaseWakeLock();
  } catch (error) {
    onFail(error);
  } finally {
    wake.pending = false;
  }
}

function releaseWakeLock() {
  const sentinel = wake.sentinel;
  wake.sentinel = null;
  if (sentinel) sentinel.release().catch(() => {});
}

function h(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

// A screen reader reads the visible label (plus a hint where one helps, after it, so the name
// still begins with what is seen).
function button(className, label, name = null) {
  const node = h("button", `br-button ${className}`, { type: "button" });
  if (name) node.setAttribute("aria-label", name);
  node.textContent = label;
  return node;
}

function render({ model, el }) {
  views += 1;
  const root = h("div", "br-stage-root", { tabindex: "-1" });
  const controls = h("div", "br-controls", { role: "group", "aria-label": "Session controls" });
  const start = button("br-start br-primary", "Start session");
  const pause = button("br-pause", "Pause", "Pause (Space)");
  const skip = button("br-skip", "Skip exercise");
  const stop = button("br-stop", "Stop", "Stop session");
  const voiceSwitch = button("br-voice", "", "Voice");
  const toneSwitch = button("br-tones", "", "Tones");
  // fewer words: "Hold." instead of "Hold, 3 of 10." (the kernel makes the words)
  const wordsSwitch = button("br-fewer-words", "", "Fewer words");
  for (const node of [voiceSwitch, toneSwitch, wordsSwitch]) node.setAttribute("role", "switch");
  controls.append(start, pause, skip, stop, voiceSwitch, toneSwitch, wordsSwitch);

  const notes = h("div", "br-notes", { role: "status" });
  const display = h("div", "br-display");
  const exercise = h("div", "br-exercise");
  const nowRow = h("div", "br-now");
  const phase = h("div", "br-phase", { "aria-live": "polite" });
  const countdown = h("div", "br-countdown", { "aria-label": "seconds left" });
  nowRow.append(phase, countdown);
  const rep = h("div", "br-rep");
  const instructions = h("div", "br-instructions");
  const progressRow = h("div", "br-progress-row");
  const progress = h("div", "br-progress", {
    role: "progressbar", "aria-label": "Session progress", "aria-valuemin": "0",
    "aria-valuemax": "100",
  });
  const fill = h("div", "br-progress-fill");
  progress.append(fill);
  const timeLeft = h("div", "br-time-left");
  progressRow.append(progress, timeLeft);
  display.append(exercise, nowRow, rep, instructions, progressRow);
  root.append(controls, notes, display);
  el.append(root);
  owners.set(model, root);

  const said = new Set(); // each note is shown once
  function note(key, text, action) {
    if (said.has(key)) return;
    said.add(key);
    const line = h("div", `br-note br-note-${key}`);
    line.textContent = text;
    if (action) line.append(action);
    notes.append(line);
  }
  function unnote(key) {
    const line = notes.querySelector(`.br-note-${key}`);
    if (line) line.remove();
    said.delete(key);
  }

  if (!("wakeLock" in navigator)) {
    note("wake", "This browser cannot keep the screen awake: set your screen to stay on " +
      "during the session, or it may dim and the session stop.");
  }
  if ("speechSynthesis" in window) window.speechSynthesis.getVoices(); // starts loading them

  let shown = { step: -1, countdown: Infinity };
  function draw() {
    const view = model.get("view") || {};
    const running = view.status === "running";
    let number = view.number;
    // within one step the countdown only goes down: a late message never shows a second again
    if (running && view.step === shown.step && view.countdown > shown.countdown) {
      number = String(shown.countdown);
    } else if (running || view.status === "paused") {
      shown = { step: view.step, countdown: view.countdown };
    }
    exercise.textContent = view.exercise || "";
    phase.textContent = view.paused ? `${view.word} · PAUSED` : view.word || "";
    phase.className = `br-phase br-phase-${view.paused ? "paused" : view.phase}`;
    countdown.textContent = number ?? "";
    rep.textContent = view.detail || "";
    instructions.textContent = view.instructions || "";
    const percent = Math.round((view.progress || 0) * 100);
    fill.style.width = `${percent}%`;
    progress.setAttribute("aria-valuenow", String(percent));
    timeLeft.textContent = view.time_left || "";
    start.disabled = !view.can_start;
    start.textContent = view.start_label || "Start session";
    pause.disabled = !view.can_pause;
    skip.disabled = !view.can_skip;
    stop.disabled = !view.can_stop;
    pause.textContent = view.paused ? "Resume" : "Pause";
    pause.setAttribute("aria-label", view.paused ? "Resume (Space)" : "Pause (Space)");
    pause.classList.toggle("br-primary", Boolean(view.paused));
    const voiceOn = model.get("voice");
    const tonesOn = model.get("tones");
    voiceSwitch.textContent = voiceOn ? "Voice on" : "Voice off";
    voiceSwitch.setAttribute("aria-checked", String(voiceOn));
    toneSwitch.textContent = tonesOn ? "Tones on" : "Tones off";
    toneSwitch.setAttribute("aria-checked", String(tonesOn));
    const fewer = model.get("fewer_words");
    wordsSwitch.textContent = fewer ? "Fewer words on" : "Fewer words off";
    wordsSwitch.setAttribute("aria-checked", String(fewer));

    if (owners.get(model) !== root) return;
    const active = running || view.status === "paused";
    if (running && audio !== null && tonesWanted()) schedule(view.upcoming || []);
    else if (audio !== null) cancelScheduled();
    wake.wanted = running;
    if (running) holdWakeLock(wakeFailed);
    else releaseWakeLock();
    if (active && audio === null) {
      // a reloaded page: the session goes on in the kernel, sound needs one more click
      const back = button("br-sound-back", "Turn sound back on");
      back.addEventListener("click", () => {
        unlockAudio(model.get("tone_spec"));
        unnote("reload");
        root.focus();
      });
      note("reload", "The page was reloaded, so the browser silenced the session. ", back);
    }
  }
  function wakeFailed(error) {
    note("wake-failed", `The screen could not be kept awake (${error.name}): set your ` +
      "screen to stay on during the session.");
  }

  function tonesWanted() {
    return model.get("tones") || (model.get("voice") && offlineVoice() === null);
  }

  function onCue(message) {
    if (!message || message.type !== "cue" || owners.get(model) !== root) return;
    const received = now();
    const voiceOn = model.get("voice");
    const voice = voiceOn ? offlineVoice() : null;
    if (voiceOn && voice === null) {
      note("voice", "No offline voice on this computer: the cues are tones instead.");
    }
    // when the tone starts, on the page clock: for a scheduled tone, read from the audio
    // clock now that it has played, so the figure is measured, not the plan
    let toneMs = null;
    const ahead = scheduled.get(message.key);
    if (ahead) {
      const pair = clockPair();
      toneMs = pair.pageMs + (ahead.when - pair.contextTime) * 1000;
    } else if (tonesWanted() && playable(message.cue)) {
      startTone(message.cue, 0);
      toneMs = now();
    }
    if (voice !== null && message.speech) say(message.speech, voice);
    root.dispatchEvent(new CustomEvent("br-cue", {
      bubbles: true,
      detail: {
        cue: message.cue, speech: message.speech, due_ms: message.due_ms,
        received_ms: received, tone_ms: toneMs, scheduled: Boolean(ahead),
        spoken: voice !== null && !!message.speech,
      },
    }));
  }

  function send(action) {
    model.send({ action });
  }
  start.addEventListener("click", () => {
    // the click is the gesture: sound and speech are allowed from here on
    unlockAudio(model.get("tone_spec"));
    wake.wanted = true;
    holdWakeLock(wakeFailed);
    root.focus();
    send((model.get("view") || {}).start_action || "start");
  });
  // a tone already scheduled must not sound after the user paused, skipped or stopped
  function act(action) {
    if (audio !== null) cancelScheduled();
    send(action);
  }
  pause.addEventListener("click", () => act("pause"));
  skip.addEventListener("click", () => act("skip"));
  stop.addEventListener("click", () => act("stop"));
  for (const [node, name] of [[voiceSwitch, "voice"], [toneSwitch, "tones"],
                              [wordsSwitch, "fewer_words"]]) {
    node.addEventListener("click", () => {
      model.set(name, !model.get(name));
      model.save_changes();
    });
  }
  function onKey(event) {
    if (event.key !== " " || event.repeat) return;
    // a focused button or text field keeps Space for itself
    if (event.target.closest("button, input, textarea, select, [contenteditable]") &&
        event.target !== root) return;
    event.preventDefault();
    event.stopPropagation();
    if ((model.get("view") || {}).can_pause) act("pause");
  }
  root.addEventListener("keydown", onKey);
  function onVisible() {
    if (document.visibilityState === "visible" && wake.wanted && owners.get(model) === root) {
      holdWakeLock(wakeFailed);
    }
  }
  document.addEventListener("visibilitychange", onVisible);

  // when the session ends, the after-score row (a widget below this one, shown by the kernel)
  // is below the fold of a laptop screen: bring it into view once it is shown
  let lastPhase = (model.get("view") || {}).phase;
  let scrollFrame = 0;
  function showAfterRow() {
    const phaseNow = (model.get("view") || {}).phase;
    const ended = phaseNow === "done" && lastPhase !== "done";
    lastPhase = phaseNow;
    if (!ended || owners.get(model) !== root) return;
    let frames = 120; // about two seconds for the kernel's message that shows the row
    const look = () => {
      const after = el.closest(".br-session")?.querySelector(".br-after");
      if (after && after.offsetParent !== null) after.scrollIntoView({ block: "center" });
      else if (--frames > 0) scrollFrame = requestAnimationFrame(look);
    };
    look();
  }

  model.on("change:view", draw);
  model.on("change:view", showAfterRow);
  model.on("change:voice", draw);
  model.on("change:tones", draw);
  model.on("change:fewer_words", draw);
  model.on("msg:custom", onCue);
  draw();
  // the page is shown: the kernel looks again for a session of another page (a page's kernel
  // may have run it before the visit)
  send("shown");

  return () => {
    model.off("change:view", draw);
    model.off("change:view", showAfterRow);
    cancelAnimationFrame(scrollFrame);
    model.off("change:voice", draw);
    model.off("change:tones", draw);
    model.off("change:fewer_words", draw);
    model.off("msg:custom", onCue);
    root.removeEventListener("keydown", onKey);
    document.removeEventListener("visibilitychange", onVisible);
    views -= 1;
    if (owners.get(model) === root) {
      owners.delete(model);
      wake.wanted = false;
      releaseWakeLock();
    }
    if (views === 0 && audio !== null) {
      cancelScheduled();
      audio.ctx.close();
      audio = null;
    }
  };
}

export default { render };

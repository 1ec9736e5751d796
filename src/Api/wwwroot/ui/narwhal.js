// Narwhal web UI: the only script. Pages work without it; it adds the live log, live status and refreshes.
// No build step, no dependencies.
(() => {
  "use strict";

  // --- ANSI → HTML: the same rules as AnsiHtml.cs (SGR colours and bold; other escapes dropped; CR → LF). ---
  class Ansi {
    constructor() { this.fg = null; this.bg = null; this.bold = false; this.pending = ""; }

    // Renders text into a DocumentFragment; an escape sequence cut at the end waits for the next call.
    render(text) {
      text = this.pending + text;
      this.pending = "";
      const out = document.createDocumentFragment();
      let run = "";
      const flush = () => {
        if (!run) return;
        const cls = this.classes();
        if (cls) { const span = document.createElement("span"); span.className = cls; span.textContent = run; out.appendChild(span); }
        else out.appendChild(document.createTextNode(run));
        run = "";
      };
      let i = 0;
      while (i < text.length) {
        const c = text[i];
        if (c === "\x1b") {
          const end = this.escapeEnd(text, i);
          if (end < 0) { this.pending = text.slice(i); break; }
          flush();
          if (text[i + 1] === "[" && text[end - 1] === "m") this.sgr(text.slice(i + 2, end - 1));
          i = end;
          continue;
        }
        if (c === "\r") { if (text[i + 1] === "\n") { i++; continue; } run += "\n"; i++; continue; }
        run += c;
        i++;
      }
      flush();
      return out;
    }

    // Index after the escape sequence at i, or -1 when the text ends inside it.
    escapeEnd(text, i) {
      if (i + 1 >= text.length) return -1;
      const kind = text[i + 1];
      if (kind === "[") {
        let j = i + 2;
        while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x3f) j++;
        return j < text.length ? j + 1 : -1;
      }
      if (kind === "]") {
        for (let j = i + 2; j < text.length; j++) {
          if (text[j] === "\x07") return j + 1;
          if (text[j] === "\x1b" && text[j + 1] === "\\") return j + 2;
        }
        return -1;
      }
      return i + 2;
    }

    sgr(params) {
      const codes = params === "" ? [0] : params.split(";").map(p => parseInt(p, 10) || 0);
      for (let k = 0; k < codes.length; k++) {
        const code = codes[k];
        if (code === 0) { this.fg = null; this.bg = null; this.bold = false; }
        else if (code === 1) this.bold = true;
        else if (code === 22) this.bold = false;
        else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) this.fg = code;
        else if (code === 39) this.fg = null;
        else if ((code >= 40 && code <= 47) || (code >= 100 && code <= 107)) this.bg = code;
        else if (code === 49) this.bg = null;
        else if (code === 38 || code === 48) k += codes[k + 1] === 5 ? 2 : codes[k + 1] === 2 ? 4 : 1;
      }
    }

    classes() {
      const parts = [];
      if (this.fg !== null) parts.push("fg" + this.fg);
      if (this.bg !== null) parts.push("bg" + this.bg);
      if (this.bold) parts.push("b");
      return parts.join(" ");
    }
  }

  // --- The run page's console: follows the live log, keeps the DOM bounded, loads earlier output on demand. ---
  const MAX_CHARS = 2_000_000;   // what the page keeps; older output stays in the raw log
  const EARLIER_BYTES = 256 * 1024;

  function consoleLog(pre, onEnd) {
    const code = pre.querySelector("code") || pre;
    const state = document.querySelector("[data-log-state]");
    const ansi = new Ansi();
    let chars = code.textContent.length;
    let queue = [];
    let scheduled = false;
    let trimmedNote = null;

    const atBottom = () => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
    const say = text => { if (state) state.textContent = text; };

    function trim() {
      if (chars <= MAX_CHARS) return;
      let excess = chars - MAX_CHARS * 0.8;
      let node = trimmedNote ? trimmedNote.nextSibling : code.firstChild;
      while (node && excess > 0) {
        const next = node.nextSibling;
        const length = node.textContent.length;
        code.removeChild(node);
        chars -= length;
        excess -= length;
        node = next;
      }
      if (!trimmedNote) {
        trimmedNote = document.createElement("span");
        trimmedNote.className = "trimmed";
        trimmedNote.textContent = "[earlier output is not kept on this page; the raw log has all of it]\n";
        code.insertBefore(trimmedNote, code.firstChild);
        document.querySelector("[data-earlier]")?.remove();
      }
    }

    function flushQueue() {
      scheduled = false;
      if (!queue.length) return;
      const follow = atBottom();
      const text = queue.join("");
      queue = [];
      code.appendChild(ansi.render(text));
      chars += text.length;
      trim();
      if (follow) pre.scrollTop = pre.scrollHeight;
    }

    // The end of a log is what people look for (the error, the result): start there.
    pre.scrollTop = pre.scrollHeight;
    const url = pre.dataset.stream;
    let source = null;
    if (url) {
      source = new EventSource(url + (url.includes("?") ? "&" : "?") + "lastEventId=" + encodeURIComponent(pre.dataset.end || "0"));
      say("Following live output…");
      source.addEventListener("log", event => {
        const data = JSON.parse(event.data);
        queue.push(data.text);
        if (!scheduled) { scheduled = true; requestAnimationFrame(flushQueue); }
      });
      source.addEventListener("end", event => {
        source.close();
        flushQueue();
        const data = JSON.parse(event.data);
        say(data.truncated ? "Ended (the log reached its size limit)." : "Ended.");
        onEnd && onEnd(data);
      });
      source.onerror = () => say("Reconnecting…");
      source.onopen = () => say("Following live output…");
    }

    const earlier = document.querySelector("[data-load-earlier]");
    if (earlier) earlier.addEventListener("click", async event => {
      event.preventDefault();
      const before = Number(pre.dataset.start);
      if (!(before > 0)) return;
      const from = Math.max(0, before - EARLIER_BYTES);
      earlier.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(pre.dataset.raw, { headers: { Range: `bytes=${from}-${before - 1}` } });
        if (!response.ok) throw new Error(response.status);
        let bytes = new Uint8Array(await response.arrayBuffer());
        let start = from;
        if (from > 0) {
          const newline = bytes.indexOf(10);
          const skip = newline >= 0 && newline < bytes.length - 1 ? newline + 1 : 0;
          bytes = bytes.subarray(skip);
          start = from + skip;
        }
        const text = new TextDecoder().decode(bytes);
        const height = pre.scrollHeight;
        code.insertBefore(new Ansi().render(text), trimmedNote ? trimmedNote.nextSibling : code.firstChild);
        chars += text.length;
        pre.scrollTop += pre.scrollHeight - height;
        pre.dataset.start = String(start);
        if (start === 0) earlier.closest("[data-earlier]")?.remove();
      } catch {
        // Without the script's help the link still opens the raw log.
        window.location.href = pre.dataset.raw;
      } finally {
        earlier.removeAttribute("aria-busy");
      }
    });
    // Stops following (another step's log takes this one's place).
    return () => { if (source) source.close(); };
  }

  // --- Live status of a run: polls status.json while the run is not over, puts the words in place. ---
  // Returns what to do when the live log ends: the run is over then (the server sends the end event only
  // once the final status is written), so the header changes at once, without waiting for a poll.
  function runStatus(page) {
    const url = page.dataset.statusUrl;
    const views = JSON.parse(page.dataset.statusViews || "{}");
    const pipeline = page.dataset.pipeline === "true";
    let active = page.dataset.active === "true";
    let ended = false;
    let timer = null;
    let latest = 0;
    let overtaken = 0;

    function setStatus(icon, label, css) {
      const status = page.querySelector('[data-run-field="status"] [data-status]');
      if (!status) return;
      status.className = "status " + css;
      status.querySelector(".icon").textContent = icon;
      status.querySelector(".label").textContent = label;
    }

    function setField(name, value) {
      const el = page.querySelector(`[data-run-field="${name}"]`);
      if (!el) return;
      if (name === "reason") { el.hidden = !value; el.textContent = value || ""; return; }
      el.textContent = value === null || value === undefined ? "–" : String(value);
    }

    async function poll() {
      const mine = ++latest;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.status === 401) { window.location.reload(); return; }
        if (!response.ok) return;
        const s = await response.json();
        // An older poll answering late, or one sent before the end event, must not put "Running" back;
        // still active after a few seconds, the run really runs again (a lost run retried).
        if (mine !== latest) return;
        // A pipeline shows its steps once its plan is recorded: a page drawn before then is drawn again.
        if (!pipeline && s.pipeline) { window.location.reload(); return; }
        if (ended && s.active && ++overtaken <= 20) return;
        ended = ended && !s.active;
        document.title = s.title + " · Narwhal";
        setStatus(s.icon, s.label, s.css);
        setField("startedAt", s.startedAt);
        setField("finishedAt", s.finishedAt);
        setField("duration", s.duration);
        setField("exitCode", s.exitCode);
        setField("reason", s.reason);
        if (s.steps) await updateSteps(page, s.steps);
        if (active && !s.active) { active = false; await refreshSections(pipeline ? ["actions", "step-head", "results"] : ["actions", "results"]); }
      } catch { /* the next poll tries again */ }
      finally {
        // After the end event a poll still saying "active" was overtaken: ask again soon, not in 2 s.
        if (mine === latest && active) timer = setTimeout(poll, ended ? 250 : document.hidden ? 10000 : 2000);
      }
    }

    if (active) timer = setTimeout(poll, 1500);
    // A step's log ended: its box (and the run, maybe) changed now, not at the next poll.
    const pollNow = () => { clearTimeout(timer); poll(); };
    const runEnded = end => {
      ended = true;
      const view = end && views[end.status];
      if (view) {
        setStatus(view.icon, view.label, view.css);
        document.title = `${view.icon} ${view.label} · ${page.dataset.runName} · Narwhal`;
        if (end.exitCode !== null && end.exitCode !== undefined) setField("exitCode", end.exitCode);
        if (end.reason) setField("reason", end.reason);
      }
      page.querySelector("[data-abort-form]")?.remove();
      clearTimeout(timer);
      poll();
    };
    return pipeline ? pollNow : runEnded;
  }

  // --- A pipeline's steps: boxes kept current from status.json, one step's console and results shown below. ---
  function stepBox(page, key) {
    return [...page.querySelectorAll("a[data-step]")].find(box => box.dataset.step === key) || null;
  }

  // Puts each step's status, attempt and duration in its box; what changed with a step also changes the
  // buttons (retry, retry failed) and, for the step shown, its head and results (or, a new attempt, all of it).
  async function updateSteps(page, steps) {
    const shown = document.getElementById("step");
    let changed = false;
    let shownChanged = null;
    for (const step of steps) {
      const box = stepBox(page, step.key);
      if (!box) continue;
      const attempt = String(step.attempt);
      const was = { status: box.dataset.stepStatus, attempt: box.dataset.stepAttempt };
      box.dataset.stepStatus = step.status;
      box.dataset.stepAttempt = attempt;
      const status = box.querySelector("[data-status]");
      status.className = "status " + step.css;
      status.querySelector(".icon").textContent = step.icon;
      status.querySelector(".label").textContent = step.label;
      box.querySelector('[data-step-field="attempt"]').textContent = step.attempt > 1 ? `attempt ${step.attempt}` : "";
      box.querySelector('[data-step-field="duration"]').textContent = step.duration || "";
      if (was.status === step.status && was.attempt === attempt) continue;
      changed = true;
      if (shown && shown.dataset.stepKey === step.key)
        shownChanged = shown.dataset.stepAttempt !== attempt ? "attempt" : "status";
    }
    if (shownChanged === "attempt" && stepView) await stepView.select(window.location.href, false);
    const ids = [...(changed ? ["actions"] : []), ...(shownChanged === "status" ? ["step-head", "results"] : [])];
    if (ids.length) await refreshSections(ids).catch(() => {});
  }

  // Shows another step (or the same one's new attempt) without leaving the page: its section is fetched and put in
  // place, its console followed instead of the previous one. Links still work without the script.
  let stepView = null;

  function stepSelection(page, onLogEnd) {
    let stop = null;
    let latest = 0;
    const follow = () => {
      const pre = document.getElementById("log");
      stop = pre ? consoleLog(pre, onLogEnd) : null;
    };

    async function select(href, push) {
      const mine = ++latest;
      const response = await fetch(href, { headers: { Accept: "text/html" } }).catch(() => null);
      if (mine !== latest) return;
      if (!response || !response.ok) { window.location.href = href; return; }
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = doc.getElementById("step");
      const now = document.getElementById("step");
      if (mine !== latest) return;
      if (!fresh || !now) { window.location.href = href; return; }
      if (stop) stop();
      now.replaceWith(fresh);
      if (push) history.pushState(null, "", href);
      for (const box of page.querySelectorAll("a[data-step]")) {
        if (box.dataset.step === fresh.dataset.stepKey) box.setAttribute("aria-current", "true");
        else box.removeAttribute("aria-current");
      }
      follow();
    }

    // The address names the step shown, so what is fetched again later (sections, a reload) is about it.
    const shown = document.getElementById("step");
    const here = new URL(window.location.href);
    if (shown && !here.searchParams.has("step")) {
      here.searchParams.set("step", shown.dataset.stepKey);
      history.replaceState(null, "", here);
    }
    page.addEventListener("click", event => {
      const box = event.target.closest("a[data-step]");
      if (!box || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      select(box.href, true);
    });
    window.addEventListener("popstate", () => select(window.location.href, false));
    follow();
    return { select };
  }

  // --- Sections marked data-refresh="N" are fetched again every N seconds (visible tab, no focus inside). ---
  async function refreshSections(ids) {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ids) {
      const now = document.getElementById(id);
      const fresh = doc.getElementById(id);
      if (now && fresh && !now.contains(document.activeElement)) now.replaceWith(fresh);
    }
  }

  function autoRefresh() {
    // One fetch of the page per interval, whatever the number of sections refreshed at that pace.
    const byInterval = new Map();
    for (const section of document.querySelectorAll("[data-refresh]")) {
      const seconds = Number(section.dataset.refresh);
      if (!(seconds > 0) || !section.id) continue;
      byInterval.set(seconds, [...(byInterval.get(seconds) || []), section.id]);
    }
    for (const [seconds, ids] of byInterval)
      setInterval(() => { if (!document.hidden) refreshSections(ids).catch(() => {}); }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.getElementById("run-page");
    const statusNow = page ? runStatus(page) : null;
    if (page && page.dataset.pipeline === "true") stepView = stepSelection(page, statusNow);
    else {
      const pre = document.getElementById("log");
      if (pre) consoleLog(pre, statusNow);
    }
    autoRefresh();
  });
})();

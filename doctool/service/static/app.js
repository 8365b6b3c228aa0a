// doctool practitioner page. Plain JavaScript, no build step, no third-party code.
// The plan is held in this page's memory only. The API key is kept in this tab's
// sessionStorage (not in lasting storage, not in a cookie) until the tab closes or "Forget the key".
"use strict";

(function () {
  const FORMAT_LABELS = {
    pdf: "PDF",
    docx: "Word (.docx)",
    "large-print-pdf": "Large print PDF",
    "large-print-docx": "Large print Word",
    "clear-print-pdf": "Clear print PDF",
    "clear-print-docx": "Clear print Word",
    braille: "Braille (.brf)",
    audio: "Audio",
    txt: "Plain text",
    html: "Web page (HTML)",
  };
  const STANDARD = ["pdf", "docx"];
  const DOCUMENT_LABELS = {
    plan: "Care and support plan",
    "charging-letter": "Charging letter",
    "dp-summary": "Direct payment summary",
    easyread: "Easy read plan",
    review: "Review of the plan",
    "easyread-review": "Easy read review",
  };
  const SET_LABELS = {
    all: "every document, in PDF and Word (zip)",
    "for-person": "what the person asked for: standard copies and their formats (zip)",
  };
  // What a person can ask for (the plan's communication.formats), in words.
  // What the record is, by its record_type: "Review for Derek John Hollis".
  const RECORD_WORDS = { plan: "Plan", review: "Review", charging_letter: "Letter" };
  const ASKED_WORDS = {
    easy_read: "easy read",
    large_print: "large print",
    clear_print: "clear print",
    braille: "braille",
    audio: "audio",
    email: "email (an accessible web page)",
    html: "an accessible web page",
    txt: "plain text",
  };
  const KEY_STORE = "doctool-api-key";

  const state = { plan: null, fileName: "", profile: "england", report: null, documents: null, person: null, previewUrl: null };
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(typeof c === "string" ? document.createTextNode(c) : c));
    return node;
  }

  function label(map, name) {
    if (map[name]) return map[name];
    const words = name.replace(/[-_]+/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function formatLabel(fmt, size) {
    return label(FORMAT_LABELS, fmt) + (size ? " (" + size + " pt)" : "");
  }

  function capitalise(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

  function setStatus(text) { $("status").textContent = text; }

  // --- the error summary (GOV.UK design system pattern) -------------------------------------

  const FIELDS = { "api-key": "api-key", "plan-file": "plan-file", profile: "profile" };

  // problems: [{text, href}] - each a link to what is wrong; a field's problem is also shown by the field.
  function showProblems(intro, problems) {
    clearProblems();
    $("error-summary-text").textContent = intro || "";
    $("error-summary-text").hidden = !intro;
    const list = $("error-list");
    problems.forEach((p) => {
      list.appendChild(el("li", {}, [p.href ? el("a", { href: p.href, text: p.text }) : el("span", { text: p.text })]));
      const field = p.href && FIELDS[p.href.slice(1)];
      if (field) {
        const message = $(field + "-error");
        message.replaceChildren(el("span", { className: "visually-hidden", text: "Error: " }), p.text);
        message.hidden = false;
        $(field + "-group").classList.add("has-error");
        $(field).setAttribute("aria-describedby", field + "-hint " + field + "-error");
      }
    });
    const box = $("error-summary");
    box.hidden = false;
    box.focus();
  }

  function clearProblems() {
    $("error-summary").hidden = true;
    $("error-list").replaceChildren();
    Object.values(FIELDS).forEach((field) => {
      $(field + "-error").hidden = true;
      $(field + "-error").replaceChildren();
      $(field + "-group").classList.remove("has-error");
      $(field).setAttribute("aria-describedby", field + "-hint");
    });
  }

  function followProblemLink(event) {
    const a = event.target.closest("a");
    if (!a || !a.getAttribute("href").startsWith("#")) return;
    const target = document.getElementById(a.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    const details = target.querySelector("details");
    if (details) details.open = true;
    if (!target.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
    // show the field's label too, as GOV.UK does
    const labelFor = document.querySelector("label[for='" + target.id + "']");
    (labelFor || target).scrollIntoView({ block: "start" });
  }

  // --- the API key: this tab only -----------------------------------------------------------

  function storedKey() {
    try { return sessionStorage.getItem(KEY_STORE) || ""; } catch (e) { return ""; }
  }

  function keepKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key); else sessionStorage.removeItem(KEY_STORE);
    } catch (e) { /* storage switched off: the key stays in the field only */ }
    $("forget-key").hidden = !key;
  }

  function forgetKey() {
    keepKey("");
    $("api-key").value = "";
    setStatus("The key is forgotten. Paste it again to check a plan.");
    $("api-key").focus();
  }

  function headers() {
    const h = { "Content-Type": "application/json" };
    const key = $("api-key").value.trim();
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  async function readError(response) {
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.status === 401) return { title: "The API key was not accepted. Check it and paste it again.", body, field: "#api-key" };
    // Errors are RFC 9457 problem details: "detail" says what went wrong ("message" is its older name).
    const detail = body && (body.detail || body.message);
    if (response.status === 413) return { title: detail ? capitalise(detail) + "." : "The file is too large.", body, field: "#plan-file" };
    const title = detail ? capitalise(detail) + "." : "Something went wrong (" + response.status + ").";
    return { title, body };
  }

  // --- the plan -----------------------------------------------------------------------------

  // What a file is, from its first bytes, when it is plainly not a JSON export.
  function notJson(bytes, name) {
    const starts = (...b) => b.every((v, i) => bytes[i] === v);
    const called = name ? "“" + name + "” " : "The file ";
    const ask = " This page needs the plan's JSON export (a .json file): export the plan from your case management system as JSON and choose that file.";
    if (starts(0x50, 0x4b, 0x03, 0x04)) {
      const word = /\.docx$/i.test(name) || !/\.(zip|xlsx|odt)$/i.test(name);
      return called + (word ? "is a Word document, not the plan's data." : "is a zip file, not the plan's data.") + ask;
    }
    if (starts(0xd0, 0xcf, 0x11, 0xe0)) return called + "is an older Word (.doc) file, not the plan's data." + ask;
    if (starts(0x25, 0x50, 0x44, 0x46)) return called + "is a PDF, not the plan's data." + ask;
    if (starts(0x7b, 0x5c, 0x72, 0x74, 0x66)) return called + "is a rich text (.rtf) file, not the plan's data." + ask;
    return "";
  }

  async function loadPlan() {
    const file = $("plan-file").files[0];
    if (file) {
      state.fileName = file.name;
      return new Uint8Array(await file.arrayBuffer());
    }
    const text = $("plan-text").value.trim();
    if (text) {
      state.fileName = "";
      return new TextEncoder().encode(text);
    }
    return null;
  }

  // --- findings -----------------------------------------------------------------------------

  // What a finding is about: its "where" ("Need 6 (Keeping a home clean and safe)"); a
  // schema problem has none, so its field is named instead ("The field colour").
  function whereOf(f) {
    if (f.where) return f.where;
    const field = (f.path || "").replace(/^\$\.?/, "");
    return field ? "The field " + field : "The whole file";
  }

  function findingItem(f, id) {
    const details = el("details", {}, [
      el("summary", { text: "Details" }),
      el("dl", { className: "finding-details" }, [
        el("dt", { text: "Rule" }), el("dd", {}, [el("code", { text: f.rule })]),
        el("dt", { text: "Field" }), el("dd", {}, [el("code", { text: f.path })]),
        el("dt", { text: "Source" }), el("dd", { text: f.source }),
      ]),
    ]);
    if (f.link && f.link.url) {
      details.appendChild(el("p", { className: "finding-link" }, [
        el("a", { href: f.link.url, rel: "noopener noreferrer", target: "_blank", text: f.link.title || f.link.url }),
        " (opens in a new tab)",
      ]));
    }
    const children = [el("p", { className: "where", text: whereOf(f) })];
    children.push(el("p", { className: "message", text: f.message }), details);
    return el("li", { className: "finding " + f.severity, id, tabindex: "-1" }, children);
  }

  function renderFindings(report) {
    const container = $("findings");
    container.replaceChildren();
    const summary = $("summary");
    const errors = report.findings.filter((f) => f.severity === "error");
    const warnings = report.findings.filter((f) => f.severity !== "error");
    if (!report.valid) {
      summary.textContent = "The plan cannot be read: it does not fit the schema.";
      summary.className = "summary incomplete";
    } else if (report.complete) {
      summary.textContent = "Nothing blocking is missing: the plan can be issued" +
        (warnings.length ? ", but check the warnings below." : ".");
      summary.className = "summary complete";
    } else {
      summary.textContent = errors.length + " blocking item" + (errors.length === 1 ? " is" : "s are") +
        " missing: the plan cannot be issued as final.";
      summary.className = "summary incomplete";
    }
    const groups = [
      ["error", report.valid ? "Blocking: must be put right before the plan is issued" : "Problems with the file", errors],
      ["warning", "Warnings: advice, not blocking", warnings],
    ];
    groups.forEach(([severity, title, items]) => {
      if (!items.length) return;
      const id = "findings-" + severity;
      container.appendChild(el("h3", { id, text: title + " (" + items.length + ")" }));
      const list = el("ul", { className: "findings", "aria-labelledby": id });
      items.forEach((f, i) => list.appendChild(findingItem(f, "finding-" + severity + "-" + i)));
      container.appendChild(list);
    });
    if (!report.findings.length) container.appendChild(el("p", { text: "No findings." }));
    $("results").hidden = false;
  }

  function renderWhose(person, recordType) {
    const whose = $("whose");
    if (!person || !person.name) { whose.hidden = true; return; }
    const name = person.name + (person.preferred_name && person.preferred_name !== person.name ? " (" + person.preferred_name + ")" : "");
    whose.replaceChildren(RECORD_WORDS[recordType] || RECORD_WORDS.plan, " for ", el("strong", { text: name }),
      person.reference ? ", reference " : "", person.reference ? el("strong", { text: person.reference }) : "");
    whose.hidden = false;
  }

  // --- downloads ----------------------------------------------------------------------------

  async function documentsCatalogue() {
    if (state.documents) return state.documents;
    const response = await fetch("/v1/documents", { headers: headers() });
    if (!response.ok) throw await readError(response);
    state.documents = await response.json();
    return state.documents;
  }

  function downloadButton(text, className, data, onClick, describedBy) {
    const button = el("button", { type: "button", className: "button secondary " + className, text });
    Object.entries(data).forEach(([k, v]) => { if (v !== null && v !== undefined) button.dataset[k] = v; });
    if (describedBy) button.setAttribute("aria-describedby", describedBy);
    button.addEventListener("click", () => onClick(button));
    return button;
  }

  function askedWords(person) {
    return person.asked.map((a) => a === "large_print" && person.large_print_size
      ? "large print, " + person.large_print_size + " pt" : (ASKED_WORDS[a] || a.replace(/_/g, " ")));
  }

  function listWords(words) {
    return words.length <= 1 ? words.join("") : words.slice(0, -1).join(", ") + " and " + words[words.length - 1];
  }

  function renderAsked(person, forPerson, applicable) {
    const box = $("asked");
    const list = $("asked-list");
    list.replaceChildren();
    if (!person) { box.hidden = true; return; }
    const who = person.preferred_name || person.name || "The person";
    $("asked-heading").textContent = "What " + who + " asked for";
    const extra = (forPerson || []).filter((f) => !STANDARD.includes(f.format) && applicable.includes(f.document));
    if (!person.asked.length) {
      $("asked-text").textContent = who + " has not asked for another format: the standard PDF and Word copies are below.";
    } else {
      $("asked-text").textContent = who + " asked for " + listWords(askedWords(person)) + ".";
    }
    extra.forEach((f) => {
      const text = "Download " + label(DOCUMENT_LABELS, f.document).toLowerCase() + ": " + formatLabel(f.format, f.size);
      list.appendChild(el("li", {}, [downloadButton(text, "download-asked", { document: f.document, format: f.format, size: f.size },
        (b) => download(f.document, f.format, b, f.size))]));
    });
    if (person.asked.length) {
      list.appendChild(el("li", {}, [downloadButton("Download everything " + who + " needs: standard copies and " +
        listWords(askedWords(person)) + " (zip)", "download-set", { set: "for-person" }, (b) => downloadSet("for-person", b))]));
    }
    box.hidden = false;
  }

  async function renderDownloads(report, info) {
    const section = $("downloads");
    const list = $("document-list");
    list.replaceChildren();
    if (!report.valid || !info) { section.hidden = true; return; }
    const catalogue = await documentsCatalogue();
    const applicable = info.documents;
    $("draft-choice").hidden = report.complete;
    $("draft").checked = false;
    $("downloads-note").textContent = report.complete
      ? "These documents apply to this " + (RECORD_WORDS[info.record_type] || RECORD_WORDS.plan).toLowerCase() + "."
      : "Blocking items are missing. A document that needs them can only be made as a marked DRAFT: tick the box to make a draft.";
    renderAsked(info.person, info.for_person, applicable);
    catalogue.documents.filter((d) => applicable.includes(d.name)).forEach((doc) => {
      const headingId = "doc-" + doc.name;
      const item = el("li", {}, [el("h3", { id: headingId, text: label(DOCUMENT_LABELS, doc.name) })]);
      if (doc.formats.includes("pdf")) {
        item.appendChild(downloadButton("Preview", "preview", { document: doc.name }, (b) => preview(doc.name, b), headingId));
      }
      doc.formats.filter((fmt) => STANDARD.includes(fmt)).forEach((fmt) => {
        item.appendChild(downloadButton("Download " + label(FORMAT_LABELS, fmt), "download", { document: doc.name, format: fmt },
          (b) => download(doc.name, fmt, b), headingId));
      });
      const others = doc.formats.filter((fmt) => !STANDARD.includes(fmt));
      if (others.length) {
        // Every other format: one list, so eight more buttons do not crowd each document.
        const selectId = "format-" + doc.name;
        const select = el("select", { id: selectId, "data-document": doc.name },
          others.map((fmt) => el("option", { value: fmt, text: label(FORMAT_LABELS, fmt) })));
        select.setAttribute("aria-describedby", headingId);
        item.appendChild(el("div", { className: "other-formats" }, [
          el("label", { for: selectId, text: "Other formats" }), select,
          downloadButton("Download in this format", "download-other", { document: doc.name },
            (b) => download(doc.name, select.value, b), headingId),
        ]));
      }
      list.appendChild(item);
    });
    if (!list.children.length) {
      list.appendChild(el("li", { text: "No document applies to this plan." }));
    } else {
      const item = el("li", {}, [el("h3", { id: "doc-sets", text: "Several documents at once" })]);
      (catalogue.sets || []).filter((set) => !(set === "for-person" && info.person && info.person.asked.length)).forEach((set) => {
        item.appendChild(downloadButton("Download " + label(SET_LABELS, set), "download-set", { set }, (b) => downloadSet(set, b)));
      });
      list.appendChild(item);
    }
    section.hidden = false;
  }

  function fileNameFrom(response, fallback) {
    const cd = response.headers.get("Content-Disposition") || "";
    const m = /filename="?([A-Za-z0-9_.-]+)"?/.exec(cd);
    return m ? m[1] : fallback;
  }

  function fallbackName(what, extension) {
    const ref = (state.person && state.person.reference) || "document";
    return ref + "-" + what + ($("draft").checked ? "-DRAFT" : "") + "." + extension;
  }

  function download(documentName, format, button, size) {
    const params = new URLSearchParams({ format, profile: state.profile });
    if (size) params.set("size", size);
    const what = "the " + label(DOCUMENT_LABELS, documentName).toLowerCase() + " (" + formatLabel(format, size) + ")";
    const ext = (state.documents && state.documents.formats[format] && state.documents.formats[format].extension) || format;
    return fetchFile("/v1/documents/" + encodeURIComponent(documentName), params, what, fallbackName(documentName, ext), button)
      .then((file) => file && save(file));
  }

  function downloadSet(set, button) {
    const params = new URLSearchParams({ set, profile: state.profile });
    return fetchFile("/v1/documents", params, "the documents (" + set + ")", fallbackName(set, "zip"), button)
      .then((file) => file && save(file));
  }

  function save(file) {
    const url = URL.createObjectURL(file.blob);
    const a = el("a", { href: url, download: file.name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    setStatus("Downloaded " + file.name + ".");
  }

  async function preview(documentName, button) {
    const params = new URLSearchParams({ format: "pdf", profile: state.profile });
    const title = label(DOCUMENT_LABELS, documentName);
    const file = await fetchFile("/v1/documents/" + encodeURIComponent(documentName), params,
      "a preview of the " + title.toLowerCase(), fallbackName(documentName, "pdf"), button);
    if (!file) return;
    if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
    const url = URL.createObjectURL(file.blob);
    state.previewUrl = url;
    const who = state.person && state.person.name ? " for " + state.person.name : "";
    const draft = file.draft ? " It is a marked DRAFT." : "";
    $("preview-heading").textContent = "Preview: " + title + who;
    $("preview-text").textContent = "The PDF " + file.name + " is shown below." + draft +
      " To print it, use the printer button in the preview's toolbar, or download it and print it." +
      " If it does not appear, or you use a screen reader, download the file and open it, or choose the Word or web page format.";
    const frame = $("preview-frame");
    frame.title = "Preview of the " + title.toLowerCase() + who + " (PDF)";
    frame.src = url;
    const link = $("preview-download");
    link.href = url;
    link.setAttribute("download", file.name);
    link.textContent = "Download " + file.name;
    $("preview").hidden = false;
    $("preview-heading").focus();
    setStatus("Showing " + file.name + ".");
  }

  function closePreview() {
    $("preview").hidden = true;
    $("preview-frame").removeAttribute("src");
    if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
    state.previewUrl = null;
    $("downloads-heading").focus();
  }

  // The file as {blob, name, draft}, or null after showing the problem.
  async function fetchFile(path, params, what, fallback, button) {
    clearProblems();
    if ($("draft").checked) params.set("draft", "true");
    button.disabled = true;
    setStatus("Making " + what + "…");
    try {
      const response = await fetch(path + "?" + params, { method: "POST", headers: headers(), body: state.plan });
      if (!response.ok) {
        const err = await readError(response);
        setStatus("");
        if (response.status === 422 && err.body && Array.isArray(err.body.findings)) {
          const blocking = err.body.findings.filter((f) => f.severity === "error");
          // each links to the same finding in the list the check showed (same rule, same field)
          const shown = ((state.report && state.report.findings) || []).filter((f) => f.severity === "error");
          const problems = blocking.map((f, i) => {
            const at = shown.findIndex((s) => s.rule === f.rule && s.path === f.path);
            return { text: whereOf(f) + ": " + f.message, href: "#finding-error-" + (at >= 0 ? at : i) };
          });
          problems.push({ text: "Or make a marked DRAFT: tick “Make a marked DRAFT anyway”", href: "#draft" });
          showProblems("This document cannot be issued as final: " + blocking.length + " blocking item" +
            (blocking.length === 1 ? " is missing. Put it" : "s are missing. Put them") + " right in the plan and check it again.", problems);
        } else {
          showProblems("", [{ text: err.title, href: err.field }]);
        }
        return null;
      }
      return {
        blob: await response.blob(),
        name: fileNameFrom(response, fallback),
        draft: response.headers.get("Doctool-Draft") === "true",
      };
    } catch (e) {
      setStatus("");
      showProblems("", [{ text: "The service could not be reached. Try again." }]);
      return null;
    } finally {
      button.disabled = false;
    }
  }

  // --- check --------------------------------------------------------------------------------

  async function check(event) {
    event.preventDefault();
    clearProblems();
    $("results").hidden = true;
    $("downloads").hidden = true;
    $("preview").hidden = true;
    const profile = $("profile").value.trim() || "england";
    if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(profile)) {
      showProblems("", [{ text: "The council profile name can only use lower-case letters, digits, - and _.", href: "#profile" }]);
      return;
    }
    state.profile = profile;
    let plan;
    try { plan = await loadPlan(); } catch (e) { plan = null; }
    if (!plan) {
      showProblems("", [{ text: "Choose the plan's JSON file or paste the plan", href: "#plan-file" }]);
      return;
    }
    const wrongKind = notJson(plan, state.fileName);
    if (wrongKind) {
      showProblems("", [{ text: wrongKind, href: "#plan-file" }]);
      return;
    }
    state.plan = plan;
    state.person = null;
    $("check-button").disabled = true;
    setStatus("Checking the plan…");
    try {
      const response = await fetch("/v1/validate?" + new URLSearchParams({ profile }), {
        method: "POST", headers: headers(), body: plan,
      });
      let report = null;
      if (response.ok) {
        report = await response.json();
      } else {
        const err = await readError(response);
        if (response.status === 401) keepKey("");
        if (response.status === 400 && err.body && Array.isArray(err.body.findings)) {
          report = err.body;
        } else {
          setStatus("");
          showProblems("", [{ text: err.title, href: err.field }]);
          return;
        }
      }
      keepKey($("api-key").value.trim());
      state.report = report;
      let info = null;
      if (report.valid) {
        const answer = await fetch("/v1/applicable", { method: "POST", headers: headers(), body: plan });
        if (answer.ok) info = await answer.json();
      }
      state.person = info && info.person;
      renderWhose(state.person, info && info.record_type);
      renderFindings(report);
      await renderDownloads(report, info);
      setStatus("Checked" + (state.fileName ? " " + state.fileName : " the pasted plan") + ".");
      $("results-heading").focus();
    } catch (e) {
      setStatus("");
      showProblems("", [{ text: e && e.title ? e.title : "The service could not be reached. Try again.", href: e && e.field }]);
    } finally {
      $("check-button").disabled = false;
    }
  }

  function setUpDropZone() {
    const zone = $("drop-zone");
    const input = $("plan-file");
    ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add("dragging");
    }));
    ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("dragging")));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        input.dispatchEvent(new Event("change"));
      }
    });
    input.addEventListener("change", () => {
      const file = input.files[0];
      $("file-name").textContent = file ? "Chosen: " + file.name : "";
      if (file) $("plan-text").value = "";
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("plan-form").addEventListener("submit", check);
    $("key-form").addEventListener("submit", (e) => e.preventDefault());
    $("forget-key").addEventListener("click", forgetKey);
    $("error-summary").addEventListener("click", followProblemLink);
    $("preview-close").addEventListener("click", closePreview);
    $("plan-text").addEventListener("input", () => {
      if ($("plan-text").value.trim()) { $("plan-file").value = ""; $("file-name").textContent = ""; }
    });
    const key = storedKey();
    if (key) { $("api-key").value = key; $("forget-key").hidden = false; }
    setUpDropZone();
  });
})();

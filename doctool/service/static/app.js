// doctool practitioner page. Plain JavaScript, no build step, no third-party code.
// The API key and the plan are held in this page's memory only; nothing is stored.
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
  };
  const SET_LABELS = {
    all: "Every document, in PDF and Word (zip)",
    "for-person": "What the person asked for: standard copies and their formats (zip)",
  };

  const state = { plan: null, fileName: "", profile: "england", report: null, documents: null };
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

  function setStatus(text) { $("status").textContent = text; }

  function showError(title, details) {
    const box = $("error");
    box.replaceChildren(el("h2", { text: title }));
    if (details && details.length) {
      box.appendChild(el("ul", {}, details.map((d) => el("li", { text: d }))));
    }
    box.hidden = false;
  }

  function clearError() { $("error").hidden = true; $("error").replaceChildren(); }

  function headers() {
    const h = { "Content-Type": "application/json" };
    const key = $("api-key").value.trim();
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  async function readError(response) {
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.status === 401) return { title: "The API key was not accepted. Check it and paste it again.", body };
    // Errors are RFC 9457 problem details: "detail" says what went wrong ("message" is its older name).
    const detail = body && (body.detail || body.message);
    if (response.status === 413) return { title: detail || "The file is too large.", body };
    const title = detail ? capitalise(detail) + "." : "Something went wrong (" + response.status + ").";
    return { title, body };
  }

  function capitalise(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

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
      items.forEach((f) => {
        list.appendChild(el("li", { className: "finding " + severity }, [
          el("p", { text: f.message }),
          el("p", { className: "meta" }, [
            (f.where ? f.where + " · " : "") + "Rule ", el("code", { text: f.rule }), " · Source: " + f.source + " · Field: ",
            el("code", { text: f.path }),
          ]),
        ]));
      });
      container.appendChild(list);
    });
    if (!report.findings.length) container.appendChild(el("p", { text: "No findings." }));
    $("results").hidden = false;
  }

  async function documentsCatalogue() {
    if (state.documents) return state.documents;
    const response = await fetch("/v1/documents", { headers: headers() });
    if (!response.ok) throw await readError(response);
    state.documents = await response.json();
    return state.documents;
  }

  async function renderDownloads(report) {
    const section = $("downloads");
    const list = $("document-list");
    list.replaceChildren();
    if (!report.valid) { section.hidden = true; return; }
    const catalogue = await documentsCatalogue();
    const response = await fetch("/v1/applicable", { method: "POST", headers: headers(), body: state.plan });
    if (!response.ok) { section.hidden = true; return; }
    const applicable = (await response.json()).documents;
    const draftChoice = $("draft-choice");
    draftChoice.hidden = report.complete;
    $("draft").checked = false;
    $("downloads-note").textContent = report.complete
      ? "These documents apply to this plan."
      : "Blocking items are missing. A document that needs them can only be made as a marked DRAFT: tick the box to make a draft.";
    catalogue.documents.filter((d) => applicable.includes(d.name)).forEach((doc) => {
      const headingId = "doc-" + doc.name;
      const item = el("li", {}, [el("h3", { id: headingId, text: label(DOCUMENT_LABELS, doc.name) })]);
      doc.formats.filter((fmt) => STANDARD.includes(fmt)).forEach((fmt) => {
        const button = el("button", {
          type: "button",
          className: "button secondary download",
          "data-document": doc.name,
          "data-format": fmt,
          text: "Download " + label(FORMAT_LABELS, fmt),
        });
        button.setAttribute("aria-describedby", headingId);
        button.addEventListener("click", () => download(doc.name, fmt, button));
        item.appendChild(button);
      });
      const others = doc.formats.filter((fmt) => !STANDARD.includes(fmt));
      if (others.length) {
        // The accessible formats: one list, so eight more buttons do not crowd each document.
        const selectId = "format-" + doc.name;
        const select = el("select", { id: selectId, "data-document": doc.name },
          others.map((fmt) => el("option", { value: fmt, text: label(FORMAT_LABELS, fmt) })));
        select.setAttribute("aria-describedby", headingId);
        const button = el("button", {
          type: "button",
          className: "button secondary download-other",
          "data-document": doc.name,
          text: "Download in this format",
        });
        button.setAttribute("aria-describedby", headingId);
        button.addEventListener("click", () => download(doc.name, select.value, button));
        item.appendChild(el("div", { className: "other-formats" }, [
          el("label", { for: selectId, text: "Accessible formats" }), select, button,
        ]));
      }
      list.appendChild(item);
    });
    if (!list.children.length) {
      list.appendChild(el("li", { text: "No document applies to this plan." }));
    } else {
      const item = el("li", {}, [el("h3", { id: "doc-sets", text: "Several documents at once" })]);
      (catalogue.sets || []).forEach((set) => {
        const button = el("button", {
          type: "button",
          className: "button secondary download-set",
          "data-set": set,
          text: "Download " + label(SET_LABELS, set),
        });
        button.addEventListener("click", () => downloadSet(set, button));
        item.appendChild(button);
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

  function download(documentName, format, button) {
    const params = new URLSearchParams({ format, profile: state.profile });
    const what = "the " + label(DOCUMENT_LABELS, documentName).toLowerCase() + " (" + label(FORMAT_LABELS, format) + ")";
    return fetchFile("/v1/documents/" + encodeURIComponent(documentName), params, what, documentName + "." + format, button);
  }

  function downloadSet(set, button) {
    const params = new URLSearchParams({ set, profile: state.profile });
    return fetchFile("/v1/documents", params, "the documents (" + set + ")", set + ".zip", button);
  }

  async function fetchFile(path, params, what, fallbackName, button) {
    clearError();
    if ($("draft").checked) params.set("draft", "true");
    button.disabled = true;
    setStatus("Making " + what + "…");
    try {
      const response = await fetch(path + "?" + params, {
        method: "POST", headers: headers(), body: state.plan,
      });
      if (!response.ok) {
        const err = await readError(response);
        if (response.status === 422 && err.body && Array.isArray(err.body.findings)) {
          const missing = err.body.findings.filter((f) => f.severity === "error")
            .map((f) => f.message + " (" + (f.where ? f.where + ", " : "") + f.rule + ", " + f.path + ")");
          showError("This document cannot be issued as final: blocking items are missing. " +
            "Put them right, or tick the box to make a marked DRAFT.", missing);
        } else {
          showError(err.title, []);
        }
        setStatus("");
        return;
      }
      const blob = await response.blob();
      const name = fileNameFrom(response, fallbackName);
      const url = URL.createObjectURL(blob);
      const a = el("a", { href: url, download: name });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      setStatus("Downloaded " + name + ".");
    } catch (e) {
      showError("The service could not be reached. Try again.", []);
      setStatus("");
    } finally {
      button.disabled = false;
    }
  }

  async function check(event) {
    event.preventDefault();
    clearError();
    $("results").hidden = true;
    $("downloads").hidden = true;
    const profile = $("profile").value.trim() || "england";
    if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(profile)) {
      showError("The council profile name can only use lower-case letters, digits, - and _.", []);
      $("profile").focus();
      return;
    }
    state.profile = profile;
    let plan;
    try { plan = await loadPlan(); } catch (e) { plan = null; }
    if (!plan) {
      showError("Choose a plan file or paste the plan first.", []);
      $("plan-file").focus();
      return;
    }
    state.plan = plan;
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
        if (response.status === 400 && err.body && Array.isArray(err.body.findings)) {
          report = err.body;
        } else {
          showError(err.title, []);
          setStatus("");
          return;
        }
      }
      state.report = report;
      renderFindings(report);
      await renderDownloads(report);
      setStatus("Checked" + (state.fileName ? " " + state.fileName : " the pasted plan") + ".");
      $("results-heading").focus();
    } catch (e) {
      if (e && e.title) showError(e.title, []);
      else showError("The service could not be reached. Try again.", []);
      setStatus("");
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
    $("plan-text").addEventListener("input", () => {
      if ($("plan-text").value.trim()) { $("plan-file").value = ""; $("file-name").textContent = ""; }
    });
    setUpDropZone();
  });
})();

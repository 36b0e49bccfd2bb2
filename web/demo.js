/*
 * The demo onboarding page of Boardwalk, personalized by Tailor.
 *
 * Each "Mark done" sends the step's event, waits until the server recorded it, then
 * asks decide again and updates the three placements in place. `#decide-status`
 * carries data-ready="false" while a round-trip is in flight and "true" once its
 * answer is on the page ("error" when decide could not be reached).
 */
(function () {
  "use strict";

  var STEPS = [
    { id: "account_created", event: "Account Created", title: "Create your account" },
    { id: "profile_completed", event: "Profile Completed", title: "Complete your profile" },
    { id: "project_created", event: "Project Created", title: "Create your first project" },
    { id: "teammate_invited", event: "Teammate Invited", title: "Invite a teammate" },
    { id: "integration_connected", event: "Integration Connected", title: "Connect an integration" },
  ];
  var PLACEMENTS = ["welcome", "next_step", "tip"];
  var DONE_KEY = "boardwalk_done_steps";

  var tailor = Tailor.init({ host: window.location.origin, writeKey: "local-dev-key" });
  var status = document.getElementById("decide-status");
  var banner = document.getElementById("consent-banner");
  var boxes = {
    analytics: document.getElementById("consent-analytics"),
    personalization: document.getElementById("consent-personalization"),
    marketing: document.getElementById("consent-marketing"),
  };
  var round = 0;
  var returnFocus = null;

  // ---- done steps, remembered in this browser -------------------------------------

  function doneSteps() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(DONE_KEY) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (error) {
      return [];
    }
  }

  function rememberDone(stepId) {
    var done = doneSteps();
    if (done.indexOf(stepId) === -1) done.push(stepId);
    try {
      window.localStorage.setItem(DONE_KEY, JSON.stringify(done));
    } catch (error) {
      // Without storage the step still shows as done until the page is reloaded.
    }
  }

  function renderChecklist() {
    var done = doneSteps();
    var list = document.getElementById("checklist");
    list.textContent = "";

    STEPS.forEach(function (step) {
      var isDone = done.indexOf(step.id) !== -1;
      var item = document.createElement("li");
      item.className = "step" + (isDone ? " done" : "");
      item.dataset.step = step.id;
      item.dataset.done = String(isDone);

      var mark = document.createElement("span");
      mark.className = "mark";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = isDone ? "✓" : "";

      var title = document.createElement("span");
      title.className = "step-title";
      title.textContent = step.title;

      var button = document.createElement("button");
      button.type = "button";
      button.className = isDone ? "ghost" : "secondary";
      button.disabled = isDone;
      button.textContent = isDone ? "Done" : "Mark done";
      var hint = document.createElement("span");
      hint.className = "sr-only";
      hint.textContent = ": " + step.title;
      button.appendChild(hint);
      button.addEventListener("click", function () { markDone(step.id); });

      item.append(mark, title, button);
      list.appendChild(item);
    });

    document.getElementById("progress").textContent = done.length + " of " + STEPS.length + " done";
    document.getElementById("progress-bar").style.width = (100 * done.length / STEPS.length) + "%";
  }

  // ---- decide round-trips ---------------------------------------------------------

  function beginRound() {
    round += 1;
    status.dataset.ready = "false";
    status.textContent = "Asking Tailor…";
    PLACEMENTS.forEach(function (name) { placementElement(name).setAttribute("aria-busy", "true"); });
    return round;
  }

  function decide(token) {
    return tailor.decide(PLACEMENTS).then(function (answer) {
      if (token !== round) return; // a newer round-trip owns the page
      PLACEMENTS.forEach(function (name) {
        renderPlacement(name, answer.placements[name], answer);
      });
      renderSegments(answer.segments || []);
      status.textContent = describeAnswer(answer);
      status.dataset.ready = "true";
    }, function (error) {
      if (token !== round) return;
      status.textContent = "Tailor could not be reached (" + (error.code || "network") +
        "). Showing what was last known.";
      status.dataset.ready = "error";
      PLACEMENTS.forEach(function (name) { placementElement(name).removeAttribute("aria-busy"); });
    });
  }

  function refresh() {
    return decide(beginRound());
  }

  function placementElement(name) {
    return document.querySelector('[data-placement="' + name + '"]');
  }

  function field(element, name) {
    return element.querySelector('[data-field="' + name + '"]');
  }

  function renderPlacement(name, decision, answer) {
    var element = placementElement(name);
    element.removeAttribute("aria-busy");
    if (!decision) return;

    var content = decision.content || {};
    element.dataset.variant = decision.variant;
    element.dataset.reason = decision.reason;
    field(element, "title").textContent = content.title || "";
    field(element, "body").textContent = content.body || "";
    field(element, "why").textContent = why(decision, answer);

    var cta = field(element, "cta");
    if (!cta) return;
    if (content.cta && content.cta.label && content.cta.step) {
      cta.textContent = content.cta.label;
      cta.dataset.ctaStep = content.cta.step;
      cta.hidden = false;
    } else {
      cta.hidden = true;
      delete cta.dataset.ctaStep;
    }
  }

  function why(decision, answer) {
    var parts = [decision.reason];
    if (decision.rule) parts.push("rule " + decision.rule);
    if (decision.experiment) parts.push("experiment " + decision.experiment);
    parts.push(answer.status, answer.basis);
    return "Why: " + parts.filter(Boolean).join(" · ");
  }

  function renderSegments(segments) {
    document.getElementById("segments").textContent = segments.length ? segments.join(", ") : "none";
  }

  function describeAnswer(answer) {
    var basis = answer.basis === "profile"
      ? "your progress"
      : "this visit only" + (answer.basis_reason ? " (" + answer.basis_reason.replace(/_/g, " ") + ")" : "");
    return "Answer " + answer.status + ", based on " + basis + ".";
  }

  // ---- onboarding steps -----------------------------------------------------------

  function markDone(stepId) {
    var step = STEPS.filter(function (candidate) { return candidate.id === stepId; })[0];
    if (!step) return Promise.resolve();
    var token = beginRound();

    rememberDone(step.id);
    renderChecklist();
    tailor.track(step.event, { step: step.id });
    return tailor.flush().then(function () {
      return decide(token);
    });
  }

  field(placementElement("next_step"), "cta").addEventListener("click", function (event) {
    var stepId = event.currentTarget.dataset.ctaStep;
    if (stepId) markDone(stepId);
  });

  // ---- consent --------------------------------------------------------------------

  function openBanner(fromControl) {
    var consent = tailor.consent() || {};
    Object.keys(boxes).forEach(function (name) { boxes[name].checked = consent[name] === true; });
    returnFocus = fromControl || null;
    banner.hidden = false;
    document.getElementById("consent-title").focus();
  }

  function saveConsent(choice) {
    var firstChoice = tailor.consent() === null;
    var token = beginRound();

    tailor.setConsent(choice);
    if (firstChoice) tailor.page("Onboarding");
    banner.hidden = true;
    if (returnFocus) returnFocus.focus();
    return tailor.flush().then(function () {
      return decide(token);
    });
  }

  function checkedChoice() {
    return {
      analytics: boxes.analytics.checked,
      personalization: boxes.personalization.checked,
      marketing: boxes.marketing.checked,
    };
  }

  document.getElementById("consent-accept-all").addEventListener("click", function () {
    Object.keys(boxes).forEach(function (name) { boxes[name].checked = true; });
    saveConsent(checkedChoice());
  });
  document.getElementById("consent-save").addEventListener("click", function () {
    saveConsent(checkedChoice());
  });
  document.getElementById("privacy-settings").addEventListener("click", function (event) {
    openBanner(event.currentTarget);
  });
  banner.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && tailor.consent() !== null) {
      banner.hidden = true;
      if (returnFocus) returnFocus.focus();
    }
  });

  // ---- start ----------------------------------------------------------------------

  renderChecklist();
  if (tailor.consent() === null) {
    openBanner(null);
  } else {
    tailor.page("Onboarding");
  }
  refresh();
})();

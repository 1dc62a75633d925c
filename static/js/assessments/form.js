// Assessment edit page: autosave, exclusive options, confirmations.
//
// The section form (<form data-autosave="#autosave">) is a plain form: without JavaScript its
// Save button posts the whole section. With JavaScript every change (except choosing a file,
// which has its own upload button) fires an "autosave" event on the #autosave element, whose
// htmx attributes post the form (delay 600 ms, queued) and swap in the section the server
// returns: new revision and base values, messages, applicability, conflicts.
// Answers changed while a save is in flight would be overwritten by that swap, so they are
// carried over into the new form and saved next.
// A select marked data-autosubmit (the 适用类型 of models with variants) submits its own form
// when changed; htmx posts it and swaps in the answer.
(function () {
  "use strict";

  var ANSWER = /^(q:|na:|site_note$)/;

  function sectionForm(el) {
    var form = el && (el.form || el.closest("form"));
    return form && form.hasAttribute("data-autosave") ? form : null;
  }

  function values(form) {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !ANSWER.test(el.name) || el.disabled) return;
      if (!(el.name in found)) found[el.name] = [];
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) found[el.name].push(el.value);
      } else {
        found[el.name].push(el.value);
      }
    });
    return found;
  }

  function same(a, b) {
    return (a || []).slice().sort().join("\u0000") === (b || []).slice().sort().join("\u0000");
  }

  function apply(form, carried) {
    Object.keys(carried).forEach(function (name) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name || el.disabled) return;
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = carried[name].indexOf(el.value) >= 0;
        } else {
          el.value = carried[name][0] || "";
        }
      });
    });
  }

  function autosave(form) {
    var trigger = document.querySelector(form.getAttribute("data-autosave"));
    if (trigger && window.htmx) window.htmx.trigger(trigger, "autosave");
  }

  // A multiple choice's exclusive option ("none of these", N/A) is chosen alone.
  function exclusive(box) {
    if (box.type !== "checkbox" || !box.checked || !box.name.startsWith("q:")) return;
    var others = box.form.querySelectorAll('input[type="checkbox"]');
    Array.prototype.forEach.call(others, function (other) {
      if (other === box || other.name !== box.name) return;
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) {
        other.checked = false;
      }
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
      return;
    }
    var form = sectionForm(el);
    if (!form || el.type === "file" || !ANSWER.test(el.name || "")) return;
    exclusive(el);
    autosave(form);
  });

  var sent = null;
  var carried = null;

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "autosave") {
      var form = document.getElementById("section-form");
      sent = form ? values(form) : null;
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = document.getElementById("section-form");
    if (!sent || !form || !event.detail.target || event.detail.target.id !== "section") return;
    var now = values(form);
    carried = {};
    Object.keys(now).forEach(function (name) {
      if (!same(now[name], sent[name])) carried[name] = now[name];
    });
    sent = null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var form = document.getElementById("section-form");
    if (!carried || !form || !event.detail.target || event.detail.target.id !== "section") {
      return;
    }
    var pending = carried;
    carried = null;
    if (Object.keys(pending).length) {
      apply(form, pending);
      autosave(form);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();

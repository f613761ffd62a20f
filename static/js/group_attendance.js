/* Group sessions: the attendance type-ahead and the attendance sheet's print button.
 *
 * Progressive enhancement: without JavaScript the search form posts and lists matches with
 * "Add" buttons, and the sheet is printed from the browser's menu. With it, the search input
 * becomes an ARIA 1.2 combobox (type, arrow keys, Enter adds). Search terms are sent in POST
 * bodies with the CSRF token, never in a URL.
 */
(function () {
  "use strict";

  var MIN_LENGTH = 2;
  var DELAY_MS = 150;

  function setUpPrintButtons() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function setUpCombobox(form) {
    var input = form.querySelector("input[name=term]");
    var listbox = document.getElementById(form.getAttribute("data-listbox"));
    var status = document.getElementById(form.getAttribute("data-status"));
    var addForm = document.getElementById(form.getAttribute("data-add-form"));
    var token = form.querySelector("input[name=csrf_token]");
    if (!input || !listbox || !status || !addForm || !token) {
      return;
    }
    var searchUrl = form.getAttribute("data-search-url");
    var results = [];
    var active = -1;
    var sequence = 0;
    var timer = null;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("autocomplete", "off");

    function isOpen() {
      return !listbox.hidden;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (results.length) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function setActive(index) {
      var options = listbox.querySelectorAll("[role=option]");
      active = index;
      Array.prototype.forEach.call(options, function (option, position) {
        var selected = position === index;
        option.setAttribute("aria-selected", selected ? "true" : "false");
        option.classList.toggle("active", selected);
        if (selected) {
          input.setAttribute("aria-activedescendant", option.id);
          if (option.scrollIntoView) {
            option.scrollIntoView({ block: "nearest" });
          }
        }
      });
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var result = results[index];
      if (!result) {
        return;
      }
      if (result.attending) {
        status.textContent = result.note;
        return;
      }
      addForm.querySelector("input[name=client_id]").value = String(result.id);
      close();
      addForm.submit();
    }

    function render(data) {
      results = data.results || [];
      listbox.textContent = "";
      results.forEach(function (result, index) {
        var option = element("li", "combobox-option");
        option.id = "attendee-option-" + result.id;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        if (result.attending) {
          option.setAttribute("aria-disabled", "true");
        }
        var name = element("bdi", "option-name", result.name);
        option.appendChild(name);
        if (result.native_name) {
          option.appendChild(document.createTextNode(" · "));
          var native = element("bdi", "option-native", result.native_name);
          native.setAttribute("lang", result.native_lang || "und");
          native.setAttribute("dir", "auto");
          option.appendChild(native);
        }
        option.appendChild(document.createTextNode(" "));
        var reference = element("span", "option-reference", result.reference);
        reference.setAttribute("dir", "ltr");
        option.appendChild(reference);
        if (result.born) {
          option.appendChild(document.createTextNode(" "));
          option.appendChild(element("span", "option-born", result.born));
        }
        if (result.note) {
          option.appendChild(document.createTextNode(" "));
          option.appendChild(element("span", "option-note", result.note));
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
        });
        option.addEventListener("click", function () {
          choose(index);
        });
        listbox.appendChild(option);
      });
      status.textContent = data.message || "";
      active = -1;
      if (results.length) {
        open();
      } else {
        close();
      }
    }

    function search() {
      var term = input.value.trim();
      var mine = ++sequence;
      if (term.length < MIN_LENGTH) {
        results = [];
        listbox.textContent = "";
        status.textContent = "";
        close();
        return;
      }
      var body = new URLSearchParams();
      body.set("csrf_token", token.value);
      body.set("term", term);
      fetch(searchUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("search failed: " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          if (mine === sequence) {
            render(data);
          }
        })
        .catch(function () {
          if (mine === sequence) {
            results = [];
            close();
            status.textContent = form.getAttribute("data-error-text") || "";
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "Down") {
        if (!results.length) {
          return;
        }
        event.preventDefault();
        open();
        setActive(active + 1 >= results.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp" || event.key === "Up") {
        if (!results.length) {
          return;
        }
        event.preventDefault();
        open();
        setActive(active <= 0 ? results.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (isOpen() && active >= 0) {
          event.preventDefault();
          choose(active);
        }
        // Otherwise the form is sent: the search without JavaScript lists the matches.
      } else if (event.key === "Escape" || event.key === "Esc") {
        if (isOpen()) {
          event.preventDefault();
          close();
        }
      }
    });

    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });

    // "Register a new person" carries what was typed into the registration form (by POST).
    var registerForm = document.querySelector("form[data-register-form]");
    if (registerForm) {
      registerForm.addEventListener("submit", function () {
        var typed = input.value.trim();
        if (typed) {
          registerForm.querySelector("input[name=term]").value = typed;
        }
      });
    }

    // Back from adding someone: ready for the next name. After "load", because browsers
    // move the focus when they scroll to the address's fragment.
    if (window.location.hash === "#add-attendees") {
      var focusInput = function () {
        window.setTimeout(function () {
          input.focus();
        }, 0);
      };
      if (document.readyState === "complete") {
        focusInput();
      } else {
        window.addEventListener("load", focusInput);
      }
    }
  }

  function start() {
    setUpPrintButtons();
    var forms = document.querySelectorAll("form[data-search-url]");
    Array.prototype.forEach.call(forms, setUpCombobox);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

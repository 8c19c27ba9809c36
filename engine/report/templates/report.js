"use strict";
(function () {
  // The page is whole without this script: it only adds filtering, sorting and opening every <details> to print.
  function text(cell) {
    return cell ? (cell.getAttribute("data-key") || cell.textContent).trim() : "";
  }
  function compare(a, b) {
    var x = parseFloat(a.replace(/,/g, "")), y = parseFloat(b.replace(/,/g, ""));
    if (!isNaN(x) && !isNaN(y) && String(x) === a.replace(/,/g, "") && String(y) === b.replace(/,/g, "")) {
      return x - y;
    }
    return a.localeCompare(b, undefined, { numeric: true });
  }
  function sortable(table) {
    var grouped = table.classList.contains("grouped");
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var parent = grouped ? table : table.tBodies[0];
        var units = Array.prototype.slice.call(grouped ? table.tBodies : table.tBodies[0].rows);
        units.sort(function (a, b) {
          var first = grouped ? a.rows[0] : a, second = grouped ? b.rows[0] : b;
          var order = compare(text(first.cells[column]), text(second.cells[column]));
          return up ? order : -order;
        });
        units.forEach(function (unit) { parent.appendChild(unit); });
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);

  var table = document.getElementById("incidents"), controls = document.getElementById("controls");
  if (table && controls) {
    var bodies = Array.prototype.slice.call(table.tBodies);
    var boxes = controls.querySelectorAll("input[name=verdict]");
    var party = document.getElementById("party"), search = document.getElementById("search");
    var shown = document.getElementById("shown");
    var apply = function () {
      var wanted = {}, who = party.value, words = search.value.trim().toLowerCase(), count = 0;
      Array.prototype.forEach.call(boxes, function (box) { wanted[box.value] = box.checked; });
      bodies.forEach(function (body) {
        var keep = wanted[body.getAttribute("data-verdict")] &&
          (!who || body.getAttribute("data-parties").split("\n").indexOf(who) >= 0) &&
          (!words || body.textContent.toLowerCase().indexOf(words) >= 0);
        body.hidden = !keep;
        if (keep) { count += 1; }
      });
      shown.textContent = count + " of " + bodies.length + " shown";
    };
    controls.addEventListener("input", apply);
    controls.addEventListener("change", apply);
    controls.hidden = false;
    apply();
  }
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
})();

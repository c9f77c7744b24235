/* Narrow screens: MathJax 3 cannot break an inline formula across lines, so a
   formula wider than its column would widen the page. Mark those formulas
   (class ck-wide-math, see book.css): each then scrolls sideways in its own
   box. Re-checked when the window is resized. */
(function () {
  function mark() {
    document.querySelectorAll('mjx-container[jax="CHTML"]:not([display="true"])').forEach(function (math) {
      math.classList.remove("ck-wide-math");
      var column = math.parentElement.closest("p, li, dd, td, th, div, section");
      if (column && math.getBoundingClientRect().width > column.clientWidth) {
        math.classList.add("ck-wide-math");
      }
    });
  }
  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(function () { return document.fonts.ready; }).then(mark);
    } else {
      setTimeout(whenTypeset, 50);
    }
  }
  if (document.querySelector(".math")) {
    whenTypeset();
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(mark, 150);
    });
  }
})();

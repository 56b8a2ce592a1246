// The only script of a page whose live parts need no island (src/components/islands.rs,
// `enhanced`): a few hundred bytes instead of the WASM bundle. Without it the page still works:
// the browser's own print command, and the form's submit button.
(() => {
  for (const el of document.querySelectorAll("[data-enhance]")) {
    if (el.dataset.enhance === "print") {
      el.addEventListener("click", () => window.print());
    } else if (el.dataset.enhance === "submit-on-choice") {
      // A form sent as soon as a file is chosen, also one chosen before this script ran.
      const input = el.querySelector("input[type=file]");
      const send = () => input && input.files && input.files.length > 0 && el.submit();
      if (input) input.addEventListener("change", send);
      send();
    } else if (el.dataset.enhance === "drop") {
      // A file dropped on the form goes into its file input; the type is still chosen by hand.
      const input = el.querySelector("input[type=file]");
      el.addEventListener("dragover", (e) => { e.preventDefault(); el.classList.add("dropping"); });
      el.addEventListener("dragleave", () => el.classList.remove("dropping"));
      el.addEventListener("drop", (e) => {
        e.preventDefault();
        el.classList.remove("dropping");
        if (input && e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
      });
    }
  }
  // Islands on the page: the bundle sets the mark once they are live.
  if (!document.querySelector("leptos-island")) document.body.dataset.hydrated = "true";
})();

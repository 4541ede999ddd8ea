// While a slow form is sent (e.g. proposing groups), its button says so and cannot be pressed
// twice. The form works the same without this script.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const text = form.getAttribute("data-busy");
  const button = form.querySelector("button[type=submit]");
  if (!text || !button) return;
  button.disabled = true;
  button.textContent = text;
  form.setAttribute("aria-busy", "true");
});

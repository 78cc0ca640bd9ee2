// The navigation's menus are <details>: one open at a time, closed by a click elsewhere or Escape.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.navmenu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.navmenu[open]")) menu.removeAttribute("open");
});

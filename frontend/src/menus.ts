// Popovers opened from a toolbar button (filters, layers, add, export, the user's menu):
// one open at a time, placed under its button and kept inside the window, closed by
// Escape, by a click elsewhere, or by choosing an item.

const open = new Set<() => void>();

export function popover(button: HTMLButtonElement, box: HTMLElement, closeOnChoice = false): void {
  const close = () => {
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
  };
  const place = () => {
    const anchor = button.getBoundingClientRect();
    box.style.top = `${Math.round(anchor.bottom + 4)}px`;
    const width = box.offsetWidth;
    const left = Math.min(anchor.left, window.innerWidth - width - 8);
    box.style.left = `${Math.max(8, Math.round(left))}px`;
  };
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", () => {
    const opening = box.hidden;
    for (const other of open) other();
    if (!opening) return;
    box.hidden = false;
    button.setAttribute("aria-expanded", "true");
    place();
  });
  open.add(close);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      close();
      button.focus();
    }
  });
  if (closeOnChoice) box.addEventListener("click", (event) => {
    if ((event.target as HTMLElement).closest("button, a")) close();
  });
  document.addEventListener("pointerdown", (event) => {
    const target = event.target as Node;
    if (!box.hidden && !box.contains(target) && !button.contains(target)) close();
  });
  window.addEventListener("resize", () => {
    if (!box.hidden) place();
  });
}

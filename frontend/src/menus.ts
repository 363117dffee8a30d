// Popovers opened from a toolbar button (filters, layers, add, export, the user's menu):
// one open at a time, placed under its button and kept inside the window, closed by
// Escape, by a click elsewhere, or by choosing an item.

const open = new Set<() => void>();

/** Puts `box` (fixed) just under `anchor`, kept inside the window. */
export function placeUnder(anchor: HTMLElement, box: HTMLElement): void {
  const under = anchor.getBoundingClientRect();
  box.style.top = `${Math.round(under.bottom + 4)}px`;
  const left = Math.min(under.left, window.innerWidth - box.offsetWidth - 8);
  box.style.left = `${Math.max(8, Math.round(left))}px`;
}

export function popover(button: HTMLButtonElement, box: HTMLElement, closeOnChoice = false): void {
  const close = () => {
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
  };
  const place = () => placeUnder(button, box);
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

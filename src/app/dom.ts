// A small element builder for the page's views: tag, properties, children.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

/** A coloured dot or square (legend markers): the class sets its shape. */
export function swatch(className: string, color: string): HTMLElement {
  const e = el('i', { className });
  e.style.background = color;
  return e;
}

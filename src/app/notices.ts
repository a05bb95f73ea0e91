// Visible messages: errors stay until dismissed, notices (a rebuilt model, a loaded checkpoint) fade after a while.
// Newest first, a handful at most; each is a live region so screen readers announce it.

const MAX_SHOWN = 6;
const NOTICE_MS = 20_000;

export class Notices {
  constructor(private readonly root: HTMLElement) {}

  error(text: string): void { this.add('error', text); }
  notice(text: string): void { this.add('notice', text); }

  private add(kind: 'error' | 'notice', text: string): void {
    const el = document.createElement('div');
    el.className = `msg ${kind}`;
    el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    const body = document.createElement('span');
    body.textContent = text;
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = '×';
    close.title = 'dismiss';
    close.onclick = () => el.remove();
    el.append(body, close);
    this.root.prepend(el);
    while (this.root.children.length > MAX_SHOWN) this.root.lastElementChild!.remove();
    if (kind === 'notice') setTimeout(() => el.remove(), NOTICE_MS);
  }
}

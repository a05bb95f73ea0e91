// The header's run controls: one primary Start/Pause button, Step epoch, Reset, the Settings toggle that opens the
// panel as a bottom sheet on narrow screens, and the keyboard shortcuts (Space, s, r, p, ?) with their list.
import type { RunState } from './session.ts';

export interface ToolbarActions { start(): void; pause(): void; stepEpoch(): void; reset(): void }

const $ = <T extends HTMLElement = HTMLButtonElement>(id: string) => document.getElementById(id) as T;

/** Keys typed into a field, or with a modifier, belong to that field or the browser. */
function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return e.ctrlKey || e.metaKey || e.altKey || !!t?.closest('input, select, textarea, [contenteditable], dialog');
}

export class Toolbar {
  private state: RunState = 'idle';
  private readonly primary = $('primary');
  private readonly step = $('step');
  private readonly resetButton = $('reset');
  private readonly toggle = $('panel-toggle');
  private readonly shortcuts = $<HTMLDialogElement>('shortcuts');

  constructor(private readonly actions: ToolbarActions) {
    this.primary.onclick = () => this.startOrPause();
    this.step.onclick = () => actions.stepEpoch();
    this.resetButton.onclick = () => actions.reset();
    this.toggle.onclick = () => this.togglePanel();
    $('shortcuts-button').onclick = () => this.shortcuts.showModal();
    document.addEventListener('keydown', (e) => this.key(e));
  }

  private startOrPause(): void {
    if (this.state === 'running') this.actions.pause();
    else if (!this.primary.disabled) this.actions.start();
  }

  togglePanel(open = !document.body.classList.contains('panel-open')): void {
    document.body.classList.toggle('panel-open', open);
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? 'Hide settings' : 'Settings';
  }

  private key(e: KeyboardEvent): void {
    if (isTyping(e)) return;
    // Space on a focused button is that button's click; elsewhere it is start/pause.
    if (e.key === ' ' && !(e.target as HTMLElement | null)?.closest('button')) { e.preventDefault(); this.startOrPause(); }
    else if (e.key === 's' && !this.step.disabled) this.actions.stepEpoch();
    else if (e.key === 'r' && !this.resetButton.disabled) this.actions.reset();
    else if (e.key === 'p') this.togglePanel();
    else if (e.key === '?') this.shortcuts.showModal();
  }

  setRunState(s: RunState, hasModel: boolean): void {
    this.state = s;
    const running = s === 'running';
    this.primary.textContent = running ? 'Pause' : s === 'paused' ? 'Resume' : s === 'finished' ? 'Finished' : 'Start';
    this.primary.disabled = !hasModel || s === 'finished';
    this.primary.setAttribute('aria-pressed', String(running));
    this.step.disabled = !hasModel || running || s === 'finished';
    this.resetButton.disabled = !hasModel;
  }
}

// Asks before a change that throws away a trained model (reset, a new architecture, new data): an in-page modal
// dialog, so keyboard and screen-reader users get the same question, and tests can answer it.

/** Resolves true when the user chose to discard; Escape or "keep" resolve false. Focus starts on the question, not
 * a button, so the Enter that committed a panel field cannot answer it. */
export function confirmDiscard(text: string): Promise<boolean> {
  const dialog = document.getElementById('confirm') as HTMLDialogElement;
  document.getElementById('confirm-text')!.textContent = text;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'discard'), { once: true }));
}

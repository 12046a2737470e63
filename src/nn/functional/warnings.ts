// PyTorch's UserWarnings from nn.functional, shared by the files that print one.

const warned = new Set<string>();

/** A UserWarning, shown once per message (Python shows one once per place). */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`UserWarning: ${message}`);
}
